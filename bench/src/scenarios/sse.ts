import { Agent, request } from 'node:http';
import { sleep } from '../harness/connections';
import { DeliveryTracker } from '../harness/delivery-tracker';
import { LatencySummary } from '../harness/latency';
import { drain, paceSends } from '../harness/pacing';
import { freePort, ServerProcess, startServer } from '../harness/processes';
import { log, Progress } from '../harness/progress';
import { Column, compare, DELIVERY_COLUMNS, deliveryValues, Row } from '../harness/report';
import { closeStreams, openSseStreams, RawSseStream } from '../harness/sse-client';
import { MeasuredWindow } from '../harness/measured-window';
import { nowMicros, stampText } from '../harness/stamp';
import { peerScript, startSwitchboardService, waitForReadyLine } from '../harness/targets';
import { ScenarioContext } from './scenario';

type SseTargetName = 'switchboard' | 'node:http';
const TARGETS: SseTargetName[] = ['switchboard', 'node:http'];

/** A server under test and how the load generator opens streams on it and publishes to them. */
interface SseTarget {
  server: ServerProcess;
  port: number;
  streamPath: string;
  streamHeaders(index: number): Record<string, string>;
  publishPath: string;
  publishHeaders: Record<string, string>;
  publishBody(title: string): string;
}

/**
 * A step passes when nothing was lost and ≥ 90% of the offered rate arrived: the target is a delivery
 * rate. Latency is reported, and bounded by the drain (a notification later than that counts as lost).
 */
const STEP_FACTOR = 1.5;
/** Enough for a publish answered slowly (Switchboard stores N rows first) not to hold up the next ones. */
const PUBLISH_SOCKETS = 32;
const userOf = (index: number) => `user-${index}`;

interface SseRun {
  offeredPerSecond: number;
  lost: number;
  deliveriesPerSecond: number;
  latency: LatencySummary;
  cpuPerDeliveryMicros: number;
  /** Load generator CPU over the run, in % of one core: near 100 means the figure is a floor. */
  loadCpuPercent: number;
  peakRssMb: number;
  publishErrors: number;
  /** Mean time to the publish's answer: Switchboard answers once stored, the peer once written to every stream. */
  answerMs: number;
  closedStreams: number;
}

/**
 * N open streams and a publisher POSTing stamped notifications at a fixed rate, each meant for all N;
 * every receipt is timed on this clock.
 */
class SseRig {
  private readonly tracker = new DeliveryTracker();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: PUBLISH_SOCKETS });
  private publishErrors = 0;
  private inFlight = 0;
  private answers = 0;
  private answerMicros = 0;

  constructor(
    private readonly target: SseTarget,
    private readonly streams: RawSseStream[],
    private readonly drainMs: number,
  ) {
    for (const stream of streams) stream.onEvent = (event) => this.tracker.delivered(event);
  }

  /** POSTs notification `index`; a refused or failed publish counts as an error (its deliveries as lost). */
  private publish(index: number): void {
    const body = this.target.publishBody(stampText(index));
    const sentAt = nowMicros();
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      if (!ok) this.publishErrors++;
      this.answers++;
      this.answerMicros += nowMicros() - sentAt;
    };
    this.inFlight++;
    const req = request(
      {
        host: '127.0.0.1',
        port: this.target.port,
        path: this.target.publishPath,
        method: 'POST',
        agent: this.agent,
        headers: {
          ...this.target.publishHeaders,
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        res.resume();
        settle(res.statusCode === 202);
      },
    );
    req.on('error', () => settle(false));
    req.end(body);
  }

  /** Publishes `publishesPerSecond` notifications per second for `durationMs`, each to every stream. */
  async run(publishesPerSecond: number, durationMs: number, progress: Progress): Promise<SseRun> {
    const n = this.streams.length;
    const messages = Math.max(1, Math.round((publishesPerSecond * durationMs) / 1000));
    const tracker = this.tracker;
    const base = tracker.begin(messages);
    this.publishErrors = 0;
    this.answers = 0;
    this.answerMicros = 0;
    const expected = messages * n;
    const status = (sent: number) =>
      `${sent}/${messages} published, ${tracker.received}/${expected} delivered`;

    const window = new MeasuredWindow(() => this.target.server.cpuSeconds());
    await paceSends(
      messages,
      publishesPerSecond,
      (i) => this.publish(base + i),
      (sent) => progress.update(status(sent)),
    );
    await drain(
      () => tracker.received >= expected && this.inFlight === 0,
      this.drainMs,
      () => progress.update(status(messages)),
    );
    const cpuSeconds = window.cpu();
    return {
      offeredPerSecond: publishesPerSecond * n,
      lost: tracker.lost(n),
      deliveriesPerSecond: tracker.received / window.secondsToLastReceipt(tracker),
      latency: tracker.latency.summary(),
      cpuPerDeliveryMicros: tracker.received ? (cpuSeconds / tracker.received) * 1e6 : NaN,
      loadCpuPercent: window.loadCpuPercent(),
      peakRssMb: this.target.server.memoryKb().peak / 1024,
      publishErrors: this.publishErrors,
      answerMs: this.answers ? this.answerMicros / this.answers / 1000 : NaN,
      closedStreams: this.streams.filter((stream) => stream.closed).length,
    };
  }

  close(): void {
    closeStreams(this.streams);
    this.agent.destroy();
  }
}

async function startTarget(
  name: SseTargetName,
  context: ScenarioContext,
  streams: number,
): Promise<SseTarget> {
  if (name === 'switchboard') {
    const { server, port } = await startSwitchboardService('notifications', context.env);
    // The recipients' part of the body is the same for every publish: serialized once.
    const head = JSON.stringify({
      userIds: Array.from({ length: streams }, (_, i) => userOf(i)),
      type: 'bench',
      body: '',
    }).slice(0, -1);
    return {
      server,
      port,
      streamPath: '/notifications/stream',
      streamHeaders: (index) => ({
        Authorization: `Bearer ${context.env.tokenOf(userOf(index))}`,
      }),
      publishPath: '/notifications',
      publishHeaders: { 'X-Api-Key': context.env.serviceApiKey },
      publishBody: (title) => `${head},"title":${JSON.stringify(title)}}`,
    };
  }
  const port = await freePort();
  const server = startServer(
    `sse-peer:${port}`,
    peerScript('sse-peer'),
    ['--port', String(port)],
    {},
  );
  try {
    await waitForReadyLine(server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    port,
    streamPath: '/stream',
    streamHeaders: () => ({}),
    publishPath: '/publish',
    publishHeaders: {},
    publishBody: (title) => JSON.stringify({ title }),
  };
}

const COLUMNS: Column[] = [{ key: 'offered', label: 'offered/s', digits: 0 }, ...DELIVERY_COLUMNS];

function rowOf(target: SseTargetName, run: SseRun | null): Row {
  return {
    target,
    values: run ? { offered: run.offeredPerSecond, ...deliveryValues(run) } : { offered: null },
  };
}

/**
 * `sse`: N streams (one user each on Switchboard) receiving broadcast notifications; the publish rate
 * rises by ×1.5 per step until something is lost (or later than the drain) or under 90% of the
 * offered rate arrives, then is refined twice between the last pass and the failure. Reports each
 * target's best passing step.
 */
export async function sse(context: ScenarioContext): Promise<void> {
  const streams = context.quick ? 100 : 10_000;
  const stepMs = context.quick ? 1000 : 3000;
  const drainMs = context.quick ? 1500 : 3000;
  /** Publishes per second, each N deliveries: Switchboard's single publish already takes most of a second. */
  const first = context.quick ? 20 : 0.5;
  const ceiling = context.quick ? 50 : 200;
  const rows: Row[] = [];
  const notes: string[] = [
    'each Switchboard publish stores its content once and one narrow inbox row per recipient in PostgreSQL (one id for all, growing in commit order per user, for Last-Event-ID resume) and fans out through Redis; the node:http peer stores nothing and writes one shared buffer to every stream',
    "server CPU is the service's process only: PostgreSQL and Redis are not counted",
  ];
  if (process.env.BENCH_CPU_PROF)
    notes.push(`switchboard ran under --cpu-prof (${process.env.BENCH_CPU_PROF})`);
  for (const name of TARGETS.filter((target) => context.selects(target))) {
    log(`sse: ${name}, ${streams} streams`);
    const target = await startTarget(name, context, streams);
    const progress = new Progress(`${name} N=${streams}`);
    let rig: SseRig | null = null;
    try {
      const openStarted = Date.now();
      const opened = await openSseStreams(
        streams,
        (i) => ({
          host: '127.0.0.1',
          port: target.port,
          path: target.streamPath,
          headers: target.streamHeaders(i),
        }),
        progress,
      );
      const openSeconds = (Date.now() - openStarted) / 1000;
      const steps = new SseRig(target, opened, drainMs);
      rig = steps;
      await steps.run(first, context.quick ? 300 : 1000, progress);
      const attempt = async (rate: number) => {
        const run = await steps.run(rate, stepMs, progress);
        await sleep(300);
        return { run, ok: run.lost === 0 && run.deliveriesPerSecond >= 0.9 * run.offeredPerSecond };
      };
      let passed: { rate: number; run: SseRun } | null = null;
      let failed: { rate: number; run: SseRun } | null = null;
      for (let rate = first; rate <= ceiling; rate *= STEP_FACTOR) {
        const { run, ok } = await attempt(rate);
        if (!ok) {
          failed = { rate, run };
          break;
        }
        passed = { rate, run };
      }
      // ×1.5 steps are coarse (two targets either side of one step differ by 1.5×): two halvings
      // (geometric) between the last pass and the failure.
      for (let i = 0; i < 2 && passed && failed; i++) {
        const rate = Math.sqrt(passed.rate * failed.rate);
        const { run, ok } = await attempt(rate);
        if (ok) passed = { rate, run };
        else failed = { rate, run };
      }
      const stop = failed
        ? `${passed ? '' : 'passed no step: '}stopped at ${failed.rate.toFixed(2)} publishes/s (${failed.run.offeredPerSecond.toFixed(0)} deliveries/s offered): ${failed.run.deliveriesPerSecond.toFixed(0)}/s delivered, p99 ${failed.run.latency.p99.toFixed(1)} ms, lost ${failed.run.lost}, publish errors ${failed.run.publishErrors}, publishes answered in ${failed.run.answerMs.toFixed(0)} ms on average, streams closed ${failed.run.closedStreams}, loadgen CPU ${failed.run.loadCpuPercent.toFixed(0)}%`
        : 'passed every step up to the ceiling: its figure is a floor';
      notes.push(`${name}: ${streams} streams opened in ${openSeconds.toFixed(1)} s; ${stop}`);
      rows.push(rowOf(name, passed?.run ?? null));
    } finally {
      rig?.close();
      progress.done();
      await target.server.stop();
    }
  }
  context.report({
    scenario: 'sse',
    case: `N=${streams} streams, highest sustained broadcast rate (nothing lost or later than ${drainMs / 1000} s, ≥ 90% of offered arrived), ${stepMs / 1000} s steps ×${STEP_FACTOR}, refined twice between the last pass and the failure`,
    columns: COLUMNS,
    rows,
    comparisons: [
      ...compare(rows, 'deliveriesPerSecond', { 'node:http': { op: '>=', limit: 0.8 } }),
      ...compare(rows, 'p99'),
    ],
    notes,
  });
}
