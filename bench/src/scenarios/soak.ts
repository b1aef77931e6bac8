import { performance } from 'node:perf_hooks';
import { closeAll, openConnections, sleep } from '../harness/connections';
import {
  LatencyTimeline,
  latencyTimelineSvg,
  writeBesideResults,
} from '../harness/latency-timeline';
import { MeasuredWindow } from '../harness/measured-window';
import { drain, paceSends } from '../harness/pacing';
import { log, Progress } from '../harness/progress';
import { RawWebSocket } from '../harness/raw-websocket';
import { Column, compare, Row } from '../harness/report';
import { nowMicros, stampText, StampReader } from '../harness/stamp';
import { startWsTarget, WsTarget, WsTargetName } from '../harness/targets';
import { ScenarioContext } from './scenario';

/**
 * Socket.IO is left out: two targets of five minutes each are what the 30-minute `all` budget holds
 * beside the other scenarios (`--only=socket.io` does not add it either).
 */
const TARGETS: WsTargetName[] = ['ws+ioredis', 'switchboard'];
/** The publisher's limit is raised as in `fanout`; the check itself still runs. */
const PUBLISHER_RATE_LIMIT = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' };
/** Switchboard users per room: presence announcements while joining grow with users × members. */
const USERS_PER_ROOM = 50;
const DRAIN_MS = 5000;
/** A delivery this late is part of a stall; late deliveries sent within STALL_GAP_MS of each other are one stall. */
const STALL_MS = 50;
const STALL_GAP_MS = 1000;
/** The report names this many stalls; an overloaded run can have dozens. */
const STALLS_LISTED = 20;

/** A run of late deliveries: when their messages were sent (load generator µs) and the worst latency. */
interface Stall {
  firstSentMicros: number;
  lastSentMicros: number;
  worstMs: number;
  deliveries: number;
}

interface SoakShape {
  connections: number;
  roomSize: number;
  deliveriesPerSecond: number;
  durationMs: number;
  warmUpMs: number;
  bucketSeconds: number;
}

const FULL: SoakShape = {
  connections: 10_000,
  roomSize: 1000,
  deliveriesPerSecond: 20_000,
  durationMs: 5 * 60_000,
  warmUpMs: 10_000,
  bucketSeconds: 5,
};
const QUICK: SoakShape = {
  connections: 100,
  roomSize: 50,
  deliveriesPerSecond: 2000,
  durationMs: 4000,
  warmUpMs: 500,
  bucketSeconds: 1,
};

/** BENCH_SOAK_SECONDS shortens (or lengthens) the measured run, for chasing a stall without five minutes per try. */
function withDuration(shape: SoakShape, seconds: string | undefined): SoakShape {
  return seconds ? { ...shape, durationMs: Number(seconds) * 1000 } : shape;
}

/** The receipts of one run: how often each message index arrived, and when, in receipt order. */
class SoakTracker {
  received = 0;
  readonly stalls: Stall[] = [];
  private readonly reader = new StampReader();
  private readonly counts: Uint32Array;

  constructor(
    private readonly base: number,
    messages: number,
    readonly timeline: LatencyTimeline,
  ) {
    this.counts = new Uint32Array(messages);
  }

  delivered(payload: Buffer): void {
    if (!this.reader.read(payload)) return;
    const slot = this.reader.index - this.base;
    if (slot < 0 || slot >= this.counts.length) return;
    this.counts[slot]++;
    this.received++;
    const sent = this.reader.sentMicros;
    const received = nowMicros();
    this.timeline.record(sent, received);
    if (received - sent >= STALL_MS * 1000) this.late(sent, (received - sent) / 1000);
  }

  private late(sentMicros: number, latencyMs: number): void {
    const stall = this.stalls.at(-1);
    if (!stall || sentMicros - stall.lastSentMicros > STALL_GAP_MS * 1000) {
      this.stalls.push({
        firstSentMicros: sentMicros,
        lastSentMicros: sentMicros,
        worstMs: latencyMs,
        deliveries: 1,
      });
      return;
    }
    stall.firstSentMicros = Math.min(stall.firstSentMicros, sentMicros);
    stall.lastSentMicros = Math.max(stall.lastSentMicros, sentMicros);
    stall.worstMs = Math.max(stall.worstMs, latencyMs);
    stall.deliveries++;
  }

  /** Receipts missing when each message should have reached `recipients` connections. */
  lost(recipients: number): number {
    let lost = 0;
    for (const count of this.counts) lost += Math.max(0, recipients - count);
    return lost;
  }
}

/** Rooms of `roomSize` subscribers across the target's instances, one publisher joined to every room. */
class SoakRig {
  private tracker: SoakTracker | null = null;
  private nextIndex = 0;
  publishErrors = 0;

  private constructor(
    private readonly target: WsTarget,
    private readonly rooms: string[],
    private readonly roomSize: number,
    private readonly sockets: RawWebSocket[],
  ) {}

  static async open(target: WsTarget, shape: SoakShape, progress: Progress): Promise<SoakRig> {
    const { protocol, ports } = target;
    const rooms = Array.from({ length: shape.connections / shape.roomSize }, (_, r) => `soak-${r}`);
    const roomOf = (i: number) => rooms[Math.floor(i / shape.roomSize)];
    const subscribers = await openConnections(
      shape.connections,
      (i) => ({
        port: ports[i % ports.length],
        path: protocol.path(`soak-${i % USERS_PER_ROOM}`, roomOf(i)),
        setup: (ws) => protocol.join(ws, roomOf(i)),
      }),
      progress,
    );
    let publisher: RawWebSocket;
    try {
      [publisher] = await openConnections(
        1,
        () => ({
          port: ports[0],
          path: protocol.path('soak-publisher', null),
          setup: async (ws) => {
            await protocol.ready(ws);
            // Switchboard only takes messages from members.
            if (target.name === 'switchboard')
              for (const room of rooms) await protocol.join(ws, room);
          },
        }),
        progress,
      );
    } catch (error) {
      closeAll(subscribers);
      throw error;
    }
    const rig = new SoakRig(target, rooms, shape.roomSize, [publisher, ...subscribers]);
    for (const ws of subscribers) protocol.listen(ws, (payload) => rig.tracker?.delivered(payload));
    protocol.listen(
      publisher,
      () => undefined,
      (payload) => {
        if (payload.includes('"type":"error"')) rig.publishErrors++;
      },
    );
    return rig;
  }

  /** Publishes round-robin over the rooms at `deliveriesPerSecond` for `durationMs`. */
  async run(shape: SoakShape, durationMs: number, progress: Progress): Promise<SoakRun> {
    const messagesPerSecond = shape.deliveriesPerSecond / this.roomSize;
    const messages = Math.max(1, Math.round((messagesPerSecond * durationMs) / 1000));
    const base = this.nextIndex;
    this.nextIndex += messages;
    const startedMicros = nowMicros();
    const tracker = new SoakTracker(base, messages, new LatencyTimeline(shape.bucketSeconds));
    this.tracker = tracker;
    this.publishErrors = 0;
    const expected = messages * this.roomSize;
    const servers = this.target.servers;
    const rssStartKb = servers.rssKb();
    const window = new MeasuredWindow(() => servers.cpuSeconds());
    const { protocol } = this.target;
    const publisher = this.sockets[0];
    await paceSends(
      messages,
      messagesPerSecond,
      (i) => protocol.publish(publisher, this.rooms[i % this.rooms.length], stampText(base + i)),
      (sent) =>
        progress.update(
          `${sent}/${messages} messages sent, ${tracker.received}/${expected} delivered`,
        ),
    );
    await drain(() => tracker.received >= expected, DRAIN_MS);
    const cpuSeconds = window.cpu();
    return {
      deliveriesPerSecond: tracker.received / window.wallSeconds(),
      expected,
      lost: tracker.lost(this.roomSize),
      publishErrors: this.publishErrors,
      summary: tracker.timeline.summary(),
      buckets: tracker.timeline.buckets(),
      stalls: tracker.stalls,
      startedMicros,
      rssStartMb: rssStartKb / 1024,
      rssEndMb: servers.rssKb() / 1024,
      peakRssMb: servers.peakRssKb() / 1024,
      cpuPerDeliveryMicros: tracker.received ? (cpuSeconds / tracker.received) * 1e6 : NaN,
      loadCpuPercent: window.loadCpuPercent(),
    };
  }

  close(): void {
    closeAll(this.sockets);
  }
}

interface SoakRun {
  deliveriesPerSecond: number;
  expected: number;
  lost: number;
  publishErrors: number;
  summary: ReturnType<LatencyTimeline['summary']>;
  buckets: ReturnType<LatencyTimeline['buckets']>;
  stalls: Stall[];
  startedMicros: number;
  rssStartMb: number;
  rssEndMb: number;
  peakRssMb: number;
  cpuPerDeliveryMicros: number;
  loadCpuPercent: number;
}

const COLUMNS: Column[] = [
  { key: 'deliveriesPerSecond', label: 'deliveries/s', digits: 0 },
  { key: 'p50', label: 'p50 ms', digits: 2 },
  { key: 'p99', label: 'p99 ms', digits: 2 },
  { key: 'p999', label: 'p99.9 ms', digits: 2 },
  { key: 'max', label: 'max ms', digits: 1 },
  { key: 'worstBucketP99', label: 'worst bucket p99 ms', digits: 1 },
  { key: 'lost', label: 'lost', digits: 0 },
  { key: 'publishErrors', label: 'publish errors', digits: 0 },
  { key: 'rssStartMb', label: 'RSS start MB', digits: 1 },
  { key: 'rssEndMb', label: 'RSS end MB', digits: 1 },
  { key: 'peakRssMb', label: 'peak RSS MB', digits: 1 },
  { key: 'cpuPerDelivery', label: 'server CPU µs/delivery', digits: 2 },
  { key: 'loadCpu', label: 'loadgen CPU %', digits: 0 },
];

/** The stalls of a run, in seconds into it, for the report. */
function stallNote(target: string, run: SoakRun): string {
  const late = run.stalls.reduce((sum, stall) => sum + stall.deliveries, 0);
  const at = run.stalls
    .slice(0, STALLS_LISTED)
    .map(
      (stall) =>
        `${((stall.firstSentMicros - run.startedMicros) / 1e6).toFixed(1)} s (${stall.worstMs.toFixed(0)} ms)`,
    );
  if (run.stalls.length > STALLS_LISTED) at.push(`${run.stalls.length - STALLS_LISTED} more`);
  return `${target}: ${late} deliveries took ${STALL_MS} ms or more, in ${run.stalls.length} stalls${at.length ? `: ${at.join(', ')}` : ''}`;
}

/** The stalls on the wall clock (epoch ms of the first late message's send), to line up with server logs. */
function logStalls(target: string, run: SoakRun): void {
  for (const stall of run.stalls)
    log(
      `soak: ${target} stall from ${Math.round(performance.timeOrigin + stall.firstSentMicros / 1000)} to ${Math.round(performance.timeOrigin + stall.lastSentMicros / 1000)} (epoch ms, sent), worst ${stall.worstMs.toFixed(1)} ms, ${stall.deliveries} late deliveries`,
    );
}

function rowOf(target: string, run: SoakRun): Row {
  return {
    target,
    values: {
      deliveriesPerSecond: run.deliveriesPerSecond,
      p50: run.summary.p50,
      p99: run.summary.p99,
      p999: run.summary.p999,
      max: run.summary.max,
      worstBucketP99: Math.max(...run.buckets.map((b) => b.p99).filter((v) => !Number.isNaN(v))),
      lost: run.lost,
      publishErrors: run.publishErrors,
      rssStartMb: run.rssStartMb,
      rssEndMb: run.rssEndMb,
      peakRssMb: run.peakRssMb,
      cpuPerDelivery: run.cpuPerDeliveryMicros,
      loadCpu: run.loadCpuPercent,
    },
  };
}

/**
 * `soak`: 10,000 connections in rooms of 1,000 at 20,000 deliveries/s for five minutes per target,
 * one target after the other; latency over the whole run (p99, p99.9, max) and per bucket, plotted.
 */
export async function soak(context: ScenarioContext): Promise<void> {
  const shape = withDuration(context.quick ? QUICK : FULL, process.env.BENCH_SOAK_SECONDS);
  const rows: Row[] = [];
  const series: { target: string; buckets: SoakRun['buckets'] }[] = [];
  const stallNotes: string[] = [];
  for (const name of TARGETS.filter((target) => context.selects(target))) {
    log(
      `soak: ${name}, ${shape.connections} connections, ${shape.deliveriesPerSecond} deliveries/s, ${shape.durationMs / 1000} s`,
    );
    const target = await startWsTarget(name, context.env, { gatewayEnv: PUBLISHER_RATE_LIMIT });
    const progress = new Progress(`${name} soak`);
    try {
      const rig = await SoakRig.open(target, shape, progress);
      try {
        await rig.run(shape, shape.warmUpMs, progress);
        await sleep(300);
        const run = await rig.run(shape, shape.durationMs, progress);
        rows.push(rowOf(name, run));
        stallNotes.push(stallNote(name, run));
        logStalls(name, run);
        series.push({ target: name, buckets: run.buckets });
      } finally {
        rig.close();
        progress.done();
      }
    } finally {
      await target.servers.stop();
    }
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const title = `soak: ${shape.connections} connections, rooms of ${shape.roomSize}, ${shape.deliveriesPerSecond} deliveries/s, latency per ${shape.bucketSeconds} s bucket`;
  const plot = writeBesideResults(
    `soak-${stamp}${context.quick ? '-quick' : ''}.svg`,
    latencyTimelineSvg(title, series),
  );
  context.report({
    scenario: 'soak',
    case: `${shape.connections} connections in rooms of ${shape.roomSize} on two instances, one publisher, ${shape.deliveriesPerSecond} deliveries/s for ${shape.durationMs / 1000} s per target (one run each, after a ${shape.warmUpMs / 1000} s warm-up), one target after the other`,
    columns: COLUMNS,
    rows,
    comparisons: [
      ...compare(rows, 'p99', { 'ws+ioredis': { op: '<=', limit: 1.2 } }),
      ...compare(rows, 'p999'),
      ...compare(rows, 'max'),
    ],
    notes: [
      `latency over time (p50, p99 and max per ${shape.bucketSeconds} s bucket, every target): [${plot}](${plot})`,
      'p99, p99.9 and max are over every delivery of the whole run; "worst bucket p99" is the highest p99 of one bucket',
      ...stallNotes,
      `a stall: deliveries of ${STALL_MS} ms or more whose messages were sent less than ${STALL_GAP_MS / 1000} s apart; its time is when the first was sent, with the worst latency`,
      'RSS is the sum over the target’s instances, read after the warm-up and after the drain',
      'Socket.IO is not in this scenario: two five-minute targets are what the 30-minute `all` budget holds',
    ],
  });
}
