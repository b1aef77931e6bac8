import { closeAll, openConnections, sleep } from '../harness/connections';
import { drain, paceSends } from '../harness/pacing';
import { DeliveryTracker } from '../harness/delivery-tracker';
import { log, Progress } from '../harness/progress';
import { RawWebSocket } from '../harness/raw-websocket';
import { Column, compare, Row } from '../harness/report';
import { cpuSecondsOfCommands } from '../harness/processes';
import { MeasuredWindow } from '../harness/measured-window';
import { stampText } from '../harness/stamp';
import { startWsTarget, WsTarget, WsTargetName } from '../harness/targets';
import { ScenarioContext } from './scenario';

const TARGETS: WsTargetName[] = ['ws+ioredis', 'socket.io', 'switchboard'];
const ROOM_SIZE = 10;
const DRAIN_MS = 3000;
const MAX_P99_MS = 100;
const BACKING_SERVICES = ['postgres', 'redis-server'];

interface ChatRun {
  messagesPerSecond: number;
  acksPerSecond: number | null;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  lost: number;
  errors: number;
  /** Server processes' CPU, in % of one core (both instances on the server core). */
  serverCpuPercent: number;
  backingCpuPercent: number;
  loadCpuPercent: number;
}

/** Connections in rooms of ten across the target's instances; every member sends in turn. */
class ChatRig {
  private readonly tracker = new DeliveryTracker();
  private acks = 0;
  private errors = 0;

  private constructor(
    private readonly target: WsTarget,
    private readonly members: RawWebSocket[],
  ) {}

  static async open(target: WsTarget, connections: number, progress: Progress): Promise<ChatRig> {
    const { protocol, ports } = target;
    // Member i is in room i / 10, on instance i % 2: every room spans both instances.
    const roomOf = (i: number) => `chat-${Math.floor(i / ROOM_SIZE)}`;
    const sockets = await openConnections(
      connections,
      (i) => ({
        port: ports[i % ports.length],
        path: protocol.path(`member-${i}`, roomOf(i)),
        setup: (ws) => protocol.join(ws, roomOf(i)),
      }),
      progress,
    );
    const rig = new ChatRig(target, sockets);
    for (const ws of sockets) {
      protocol.listen(
        ws,
        (payload) => rig.tracker.delivered(payload),
        (payload) => rig.countReply(payload),
      );
    }
    return rig;
  }

  private countReply(payload: Buffer): void {
    if (payload.includes('"type":"ack"')) this.acks++;
    else if (payload.includes('"type":"error"')) this.errors++;
  }

  /** Members send in round-robin order so that each sends every `connections / rate` seconds. */
  async run(messagesPerSecond: number, durationMs: number, progress: Progress): Promise<ChatRun> {
    const messages = Math.max(1, Math.round((messagesPerSecond * durationMs) / 1000));
    const base = this.tracker.begin(messages);
    this.acks = 0;
    this.errors = 0;
    const window = new MeasuredWindow(() => this.target.servers.cpuSeconds());
    const backing = new MeasuredWindow(() => cpuSecondsOfCommands(BACKING_SERVICES));
    await paceSends(
      messages,
      messagesPerSecond,
      (i) => {
        // Stride through the rooms so that consecutive messages land in different rooms.
        const member =
          (i * ROOM_SIZE + Math.floor(i / (this.members.length / ROOM_SIZE))) % this.members.length;
        const room = `chat-${Math.floor(member / ROOM_SIZE)}`;
        this.target.protocol.publish(this.members[member], room, stampText(base + i));
      },
      (sent) =>
        progress.update(`${sent}/${messages} messages sent, ${this.tracker.received} delivered`),
    );
    const expected = messages * ROOM_SIZE;
    await drain(() => this.tracker.received >= expected, DRAIN_MS);
    const wall = window.wallSeconds();
    const elapsed = window.secondsToLastReceipt(this.tracker);
    const latency = this.tracker.latency.summary();
    return {
      messagesPerSecond: messages / elapsed,
      acksPerSecond: this.target.name === 'switchboard' ? this.acks / elapsed : null,
      deliveriesPerSecond: this.tracker.received / elapsed,
      p50: latency.p50,
      p99: latency.p99,
      max: latency.max,
      lost: this.tracker.lost(ROOM_SIZE),
      errors: this.errors,
      serverCpuPercent: (window.cpu() / wall) * 100,
      backingCpuPercent: (backing.cpu() / wall) * 100,
      loadCpuPercent: window.loadCpuPercent(),
    };
  }

  close(): void {
    closeAll(this.members);
  }
}

const COLUMNS: Column[] = [
  { key: 'messagesPerSecond', label: 'messages/s', digits: 0 },
  { key: 'acksPerSecond', label: 'persisted/s', digits: 0 },
  { key: 'deliveriesPerSecond', label: 'deliveries/s', digits: 0 },
  { key: 'p50', label: 'p50 ms', digits: 2 },
  { key: 'p99', label: 'p99 ms', digits: 2 },
  { key: 'max', label: 'max ms', digits: 1 },
  { key: 'lost', label: 'lost', digits: 0 },
  { key: 'errors', label: 'errors', digits: 0 },
  { key: 'serverCpuPercent', label: 'server CPU %', digits: 0 },
  { key: 'backingCpuPercent', label: 'pg+redis CPU %', digits: 0 },
  { key: 'loadCpuPercent', label: 'loadgen CPU %', digits: 0 },
];

const rowOf = (target: string, run: ChatRun): Row => ({ target, values: { ...run } });

const sustained = (run: ChatRun, offered: number) =>
  run.lost === 0 &&
  run.errors === 0 &&
  run.p99 <= MAX_P99_MS &&
  run.messagesPerSecond >= 0.9 * offered;

/**
 * The highest persisted rate with p99 within MAX_P99_MS: from the scenario's rate up by ×1.5 while it
 * holds, or down by ×2/3 until it holds. Every step is noted, with what bounded it.
 */
async function highestSustainedRate(
  rig: ChatRig,
  rate: number,
  quick: boolean,
  progress: Progress,
  notes: string[],
): Promise<ChatRun | null> {
  const stepMs = quick ? 1000 : 5000;
  const floor = rate / 8;
  const ceiling = rate * (quick ? 2.5 : 12);
  let best: ChatRun | null = null;
  let direction: 'up' | 'down' | null = null;
  for (let step = rate; step >= floor && step <= ceiling;) {
    await sleep(1000);
    const run = await rig.run(step, stepMs, progress);
    const ok = sustained(run, step);
    notes.push(
      `switchboard at ${step} messages/s offered: ${run.acksPerSecond?.toFixed(0)} persisted/s, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, lost ${run.lost}, errors ${run.errors}, gateways ${run.serverCpuPercent.toFixed(0)}% CPU, pg+redis ${run.backingCpuPercent.toFixed(0)}%, loadgen ${run.loadCpuPercent.toFixed(0)}%${ok ? '' : ' — not sustained'}`,
    );
    direction ??= ok ? 'up' : 'down';
    if (ok) best = run;
    if (direction === 'up' ? !ok : ok) break;
    step = Math.round(direction === 'up' ? step * 1.5 : (step * 2) / 3);
  }
  return best;
}

/**
 * `chat`: 10,000 connections in rooms of 10, each member sending every 10 s (1,000 messages/s),
 * then, for Switchboard, higher rates until p99 passes 100 ms or a message is lost or refused.
 */
export async function chat(context: ScenarioContext): Promise<void> {
  const connections = context.quick ? 100 : 10_000;
  const periodSeconds = context.quick ? 1 : 10;
  const rate = connections / periodSeconds;
  const durationMs = context.quick ? 2000 : 30_000;
  const rows: Row[] = [];
  const notes: string[] = [];
  let highest: ChatRun | null = null;
  for (const name of TARGETS.filter((target) => context.selects(target))) {
    log(`chat: ${name}, ${connections} connections, ${rate} messages/s`);
    const target = await startWsTarget(name, context.env);
    const progress = new Progress(`${name} chat`);
    try {
      const rig = await ChatRig.open(target, connections, progress);
      try {
        // 10,000 joins leave presence and history work behind: the measured window starts after it.
        await rig.run(rate, context.quick ? 300 : 10_000, progress);
        const main = await rig.run(rate, durationMs, progress);
        rows.push(rowOf(name, main));
        if (name !== 'switchboard') continue;
        highest = await highestSustainedRate(rig, rate, context.quick, progress, notes);
      } finally {
        rig.close();
        progress.done();
      }
    } finally {
      await target.servers.stop();
    }
  }
  context.report({
    scenario: 'chat',
    case: `${connections} connections in rooms of ${ROOM_SIZE}, each sending every ${periodSeconds} s (${rate} messages/s), ${durationMs / 1000} s`,
    columns: COLUMNS,
    rows,
    comparisons: [...compare(rows, 'deliveriesPerSecond'), ...compare(rows, 'p99')],
    notes: [
      `target: ${rate} messages/s persisted with p99 < ${MAX_P99_MS} ms — switchboard p99 ${rows.at(-1)?.values.p99?.toFixed(1)} ms, ${rows.at(-1)?.values.acksPerSecond?.toFixed(0)} persisted/s`,
      `highest sustained persisted rate (p99 ≤ ${MAX_P99_MS} ms, nothing lost or refused; steps of 5 s): ${highest ? `${highest.acksPerSecond?.toFixed(0)} messages/s (p99 ${highest.p99.toFixed(1)} ms)` : `below ${Math.round(rate / 8)}/s`}`,
      'the peers persist nothing; only Switchboard acks after the commit',
      ...notes,
    ],
  });
}
