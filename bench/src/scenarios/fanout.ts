import { sleep } from '../harness/connections';
import { log, Progress } from '../harness/progress';
import { CLOCK_TICKS_PER_SECOND } from '../harness/processes';
import { Column, compare, DELIVERY_COLUMNS, deliveryValues, Row } from '../harness/report';
import { startWsTarget, WsTargetName } from '../harness/targets';
import { FanoutRig, FanoutRun } from './fanout-rig';
import { ScenarioContext } from './scenario';

/** The judged peers and Switchboard, open together and interleaved at N=1,000. */
const JUDGED_TARGETS: WsTargetName[] = ['ws+ioredis', 'socket.io', 'switchboard'];
/**
 * Reference rows, run only when named with `--only`: each extra open target shares the server core
 * while another is measured (five open made Switchboard's figure 1.78x the peer's against 1.20x with
 * two, BENCHMARKS.md), and they add minutes to `all`.
 */
const REFERENCE_TARGETS: WsTargetName[] = ['ws', 'ws+ioredis (per-socket framing)'];

function targetsOf(context: ScenarioContext): WsTargetName[] {
  return [
    ...REFERENCE_TARGETS.filter((target) => context.names(target)),
    ...JUDGED_TARGETS.filter((target) => context.selects(target)),
  ];
}
/** One publisher sends far more than a person: its limit is raised, the check itself still runs. */
const PUBLISHER_RATE_LIMIT = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' };

/** The delivery figures plus the server CPU in the ticks it is read in, and what that is exact to. */
const FANOUT_COLUMNS: Column[] = [
  ...DELIVERY_COLUMNS,
  { key: 'cpuTicks', label: 'server CPU ticks', digits: 0 },
  { key: 'cpuResolution', label: 'CPU µs/delivery ±', digits: 2 },
];

function fanoutValues(run: FanoutRun): Record<string, number> {
  return {
    ...deliveryValues(run),
    cpuTicks: run.serverCpuTicks,
    cpuResolution: run.cpuResolutionMicros,
  };
}

/** A target with its rig open: subscribers joined, publisher ready. */
interface OpenRig {
  name: WsTargetName;
  rig: FanoutRig;
  progress: Progress;
  close(): Promise<void>;
}

async function openRig(
  context: ScenarioContext,
  name: WsTargetName,
  subscribers: number,
): Promise<OpenRig> {
  const target = await startWsTarget(name, context.env, { gatewayEnv: PUBLISHER_RATE_LIMIT });
  const progress = new Progress(`${name} N=${subscribers}`);
  try {
    const rig = await FanoutRig.open(target, `fanout-${subscribers}`, subscribers, progress);
    return {
      name,
      rig,
      progress,
      close: async () => {
        rig.close();
        progress.done();
        await target.servers.stop();
      },
    };
  } catch (error) {
    progress.done();
    await target.servers.stop();
    throw error;
  }
}

async function withRig<T>(
  context: ScenarioContext,
  name: WsTargetName,
  subscribers: number,
  work: (rig: FanoutRig, progress: Progress) => Promise<T>,
): Promise<T> {
  const open = await openRig(context, name, subscribers);
  try {
    return await work(open.rig, open.progress);
  } finally {
    await open.close();
  }
}

const REPEATS = 3;
/**
 * Targets are kept open together, and their runs interleaved, while the load generator's sockets
 * allow (its file limit is 20,000 here): slow drift of the machine then falls on every target alike.
 */
const MAX_INTERLEAVED_SOCKETS = 12_000;

/**
 * The run of the median CPU per delivery (CPU per delivery varies by ~10% from run to run, so the
 * median of REPEATS runs is reported).
 */
function medianRun(runs: FanoutRun[]): FanoutRun {
  const sorted = [...runs].sort((a, b) => a.cpuPerDeliveryMicros - b.cpuPerDeliveryMicros);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * `fanout`: one room of N subscribers, a fixed 20,000 deliveries/s, the median of three runs. Where
 * every target fits, all are open at once and run in turn (run 1 of each, then run 2 of each, ...).
 */
export async function fanout(context: ScenarioContext): Promise<void> {
  const sizes = context.quick ? [50] : [1000, 10_000];
  const rate = context.quick ? 5000 : 20_000;
  const durationMs = context.quick ? 1500 : 10_000;
  const warmUpMs = context.quick ? 300 : 1000;
  const names = targetsOf(context);
  for (const subscribers of sizes) {
    const runs = new Map<WsTargetName, FanoutRun[]>(names.map((name) => [name, []]));
    const interleaved = names.length * (subscribers + 1) <= MAX_INTERLEAVED_SOCKETS;
    if (interleaved) {
      const rigs: OpenRig[] = [];
      try {
        for (const name of names) {
          log(`fanout: ${name}, ${subscribers} subscribers, opening`);
          const open = await openRig(context, name, subscribers);
          rigs.push(open);
          await open.rig.run(rate, warmUpMs, open.progress);
        }
        for (let i = 0; i < REPEATS; i++)
          for (const { name, rig, progress } of rigs) {
            log(`fanout: ${name}, ${subscribers} subscribers, ${rate} deliveries/s, run ${i + 1}`);
            await sleep(300);
            runs.get(name)?.push(await rig.run(rate, durationMs, progress));
          }
      } finally {
        for (const open of rigs) await open.close();
      }
    } else {
      for (const name of names) {
        log(`fanout: ${name}, ${subscribers} subscribers, ${rate} deliveries/s`);
        await withRig(context, name, subscribers, async (rig, progress) => {
          await rig.run(rate, warmUpMs, progress);
          for (let i = 0; i < REPEATS; i++)
            runs.get(name)?.push(await rig.run(rate, durationMs, progress));
        });
      }
    }
    const rows: Row[] = names.map((name) => ({
      target: name,
      values: fanoutValues(medianRun(runs.get(name) ?? [])),
    }));
    const big = subscribers >= 10_000;
    const window = durationMs / 1000;
    context.report({
      scenario: 'fanout',
      case: `N=${subscribers}, ${rate} deliveries/s, median of ${REPEATS} runs of ${window} s (by server CPU per delivery), ${interleaved ? 'targets interleaved run by run' : 'one target after the other'}`,
      columns: FANOUT_COLUMNS,
      rows,
      medianOf: REPEATS,
      comparisons: [
        ...compare(
          rows,
          'cpuPerDelivery',
          big
            ? {}
            : { 'ws+ioredis': { op: '<=', limit: 1.1 }, 'socket.io': { op: '<=', limit: 0.8 } },
        ),
        ...compare(rows, 'p99', big ? { 'ws+ioredis': { op: '<=', limit: 1.1 } } : {}),
      ],
      notes: [
        `server CPU is utime + stime from /proc/<pid>/stat in ${CLOCK_TICKS_PER_SECOND} Hz ticks over each ${window} s window; "±" is one tick per server process over the window's deliveries`,
        'ws+ioredis frames each broadcast once and writes it to every member (judged against); the reference rows ws (one process) and ws+ioredis (per-socket framing, ws.send framing per member) run only when named with --only',
      ],
    });
  }
}

/** A step passes when nothing was lost and p99 stayed within this. */
const MAX_P99_MS = 100;
const STEP = 1.25;

/** `fanout-max`: raises the rate until p99 passes 100 ms or a message is lost. */
export async function fanoutMax(context: ScenarioContext): Promise<void> {
  const subscribers = context.quick ? 50 : 1000;
  const stepMs = context.quick ? 500 : 3000;
  const first = context.quick ? 5000 : 20_000;
  const ceiling = context.quick ? 10_000 : 400_000;
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const name of targetsOf(context)) {
    log(`fanout-max: ${name}, ${subscribers} subscribers`);
    const best = await withRig(context, name, subscribers, async (rig, progress) => {
      await rig.run(first, context.quick ? 300 : 1000, progress);
      const attempt = async (rate: number) => {
        await sleep(300);
        const run = await rig.run(rate, stepMs, progress);
        const ok =
          run.lost === 0 && run.latency.p99 <= MAX_P99_MS && run.deliveriesPerSecond >= 0.9 * rate;
        return { run, ok };
      };
      // A step fails only when it fails twice: one pause (a GC, a checkpoint) ends no search.
      const sustains = async (rate: number) => {
        const once = await attempt(rate);
        return once.ok ? once : attempt(rate);
      };
      let passed: FanoutRun | null = null;
      let failed: { rate: number; run: FanoutRun } | null = null;
      for (let rate = first; rate <= ceiling; rate = Math.round(rate * STEP)) {
        const { run, ok } = await sustains(rate);
        if (!ok) {
          failed = { rate, run };
          break;
        }
        passed = run;
      }
      // ×1.25 steps are coarse: two halvings (geometric) between the last pass and the failure.
      for (let i = 0; i < 2 && passed && failed; i++) {
        const rate = Math.round(Math.sqrt(passed.offeredPerSecond * failed.rate));
        const { run, ok } = await sustains(rate);
        if (ok) passed = run;
        else failed = { rate, run };
      }
      if (failed) {
        const { rate, run } = failed;
        notes.push(
          `${name} stopped at ${rate}/s offered: ${run.deliveriesPerSecond.toFixed(0)}/s delivered, p99 ${run.latency.p99.toFixed(1)} ms, lost ${run.lost}, loadgen CPU ${run.loadCpuPercent.toFixed(0)}%`,
        );
      } else {
        notes.push(`${name} sustained the ceiling, ${ceiling}/s: its figure is a floor`);
      }
      return passed;
    });
    rows.push(
      best
        ? { target: name, values: { ...fanoutValues(best), offered: best.offeredPerSecond } }
        : { target: name, values: { offered: null } },
    );
  }
  context.report({
    scenario: 'fanout-max',
    case: `N=${subscribers}, highest sustained rate (p99 ≤ ${MAX_P99_MS} ms, no loss), ${stepMs / 1000} s steps ×${STEP}, refined twice between the last pass and the failure; a step fails when it fails twice`,
    columns: [{ key: 'offered', label: 'offered/s', digits: 0 }, ...FANOUT_COLUMNS],
    rows,
    comparisons: compare(rows, 'deliveriesPerSecond', {
      'ws+ioredis': { op: '>=', limit: 0.8 },
      'socket.io': { op: '>=', limit: 1.25 },
    }),
    notes,
  });
}
