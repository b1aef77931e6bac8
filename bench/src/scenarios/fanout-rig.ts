import { closeAll, openConnections } from '../harness/connections';
import { drain, paceSends } from '../harness/pacing';
import { DeliveryTracker } from '../harness/delivery-tracker';
import { LatencySummary } from '../harness/latency';
import { Progress } from '../harness/progress';
import { RawWebSocket } from '../harness/raw-websocket';
import { MeasuredWindow } from '../harness/measured-window';
import { stampText } from '../harness/stamp';
import { WsTarget } from '../harness/targets';
import { CLOCK_TICKS_PER_SECOND } from '../harness/processes';

export interface FanoutRun {
  offeredPerSecond: number;
  deliveries: number;
  expected: number;
  lost: number;
  deliveriesPerSecond: number;
  latency: LatencySummary;
  serverCpuSeconds: number;
  /** The same in /proc clock ticks (CLOCK_TICKS_PER_SECOND), the unit it is read in. */
  serverCpuTicks: number;
  cpuPerDeliveryMicros: number;
  /**
   * What `cpuPerDeliveryMicros` is exact to: each process's CPU is read in whole ticks at both ends
   * of the window, so the total may be off by up to one tick per process.
   */
  cpuResolutionMicros: number;
  /** Load generator CPU over the run, in % of one core: near 100 means the figure is a floor. */
  loadCpuPercent: number;
  peakRssMb: number;
  publishErrors: number;
}

/** Switchboard users the subscribers sign in as: presence announcements while joining grow with users × members. */
const SUBSCRIBER_USERS = 50;
/** How long deliveries may trail the last send before the missing ones count as lost. */
const DRAIN_MS = 3000;

/**
 * One room, `subscribers` connections spread across the target's instances, and one publisher on
 * the first instance sending stamped messages at a fixed rate; every receipt is timed on this clock.
 */
export class FanoutRig {
  private readonly tracker = new DeliveryTracker();
  private publishErrors = 0;

  private constructor(
    private readonly target: WsTarget,
    private readonly room: string,
    private readonly subscribers: RawWebSocket[],
    private readonly publisher: RawWebSocket,
  ) {}

  static async open(
    target: WsTarget,
    room: string,
    subscribers: number,
    progress: Progress,
  ): Promise<FanoutRig> {
    const { protocol, ports } = target;
    const sockets = await openConnections(
      subscribers,
      (i) => ({
        port: ports[i % ports.length],
        path: protocol.path(`sub-${i % SUBSCRIBER_USERS}`, room),
        setup: (ws) => protocol.join(ws, room),
      }),
      progress,
    );
    let publisher: RawWebSocket;
    try {
      [publisher] = await openConnections(
        1,
        () => ({
          port: ports[0],
          path: protocol.path('publisher', null),
          setup: async (ws) => {
            await protocol.ready(ws);
            // Switchboard only takes messages from members.
            if (target.name === 'switchboard') await protocol.join(ws, room);
          },
        }),
        progress,
      );
    } catch (error) {
      closeAll(sockets);
      throw error;
    }
    const rig = new FanoutRig(target, room, sockets, publisher);
    for (const ws of sockets) protocol.listen(ws, (payload) => rig.tracker.delivered(payload));
    protocol.listen(
      publisher,
      () => undefined,
      (payload) => rig.publisherFrame(payload),
    );
    return rig;
  }

  private publisherFrame(payload: Buffer): void {
    // Switchboard answers each message with an ack, or with an error (a refused message is lost).
    if (payload.includes('"type":"error"')) this.publishErrors++;
  }

  /** Publishes at `deliveriesPerSecond` / subscribers messages per second for `durationMs`. */
  async run(
    deliveriesPerSecond: number,
    durationMs: number,
    progress: Progress,
  ): Promise<FanoutRun> {
    const n = this.subscribers.length;
    const messagesPerSecond = deliveriesPerSecond / n;
    const messages = Math.max(1, Math.round((messagesPerSecond * durationMs) / 1000));
    const base = this.tracker.begin(messages);
    const tracker = this.tracker;
    this.publishErrors = 0;
    const expected = messages * n;

    const window = new MeasuredWindow(() => this.target.servers.cpuSeconds());
    await paceSends(
      messages,
      messagesPerSecond,
      (i) => this.target.protocol.publish(this.publisher, this.room, stampText(base + i)),
      (sent) =>
        progress.update(
          `${sent}/${messages} messages sent, ${tracker.received}/${expected} delivered`,
        ),
    );
    await drain(() => tracker.received >= expected, DRAIN_MS);
    const cpuSeconds = window.cpu();
    return {
      offeredPerSecond: deliveriesPerSecond,
      deliveries: tracker.received,
      expected,
      lost: tracker.lost(n),
      deliveriesPerSecond: tracker.received / window.secondsToLastReceipt(tracker),
      latency: tracker.latency.summary(),
      serverCpuSeconds: cpuSeconds,
      serverCpuTicks: Math.round(cpuSeconds * CLOCK_TICKS_PER_SECOND),
      cpuPerDeliveryMicros: tracker.received ? (cpuSeconds / tracker.received) * 1e6 : NaN,
      cpuResolutionMicros: tracker.received
        ? (this.target.servers.processes.length / CLOCK_TICKS_PER_SECOND / tracker.received) * 1e6
        : NaN,
      loadCpuPercent: window.loadCpuPercent(),
      peakRssMb: this.target.servers.peakRssKb() / 1024,
      publishErrors: this.publishErrors,
    };
  }

  close(): void {
    closeAll([...this.subscribers, this.publisher]);
  }
}
