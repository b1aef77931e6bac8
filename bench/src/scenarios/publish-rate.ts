import { closeAll, openConnections, sleep } from '../harness/connections';
import { drain } from '../harness/pacing';
import { DeliveryTracker } from '../harness/delivery-tracker';
import { LatencyRecorder } from '../harness/latency';
import { log, Progress } from '../harness/progress';
import { RawWebSocket } from '../harness/raw-websocket';
import { Column, compare, Row } from '../harness/report';
import { cpuSecondsOfCommands } from '../harness/processes';
import { MeasuredWindow } from '../harness/measured-window';
import { nowMicros, stampText } from '../harness/stamp';
import { startWsTarget, WsTarget, WsTargetName } from '../harness/targets';
import { ScenarioContext } from './scenario';

const TARGETS: WsTargetName[] = ['ws+ioredis', 'socket.io', 'switchboard'];
/** Messages the publisher may have sent and not yet seen answered. */
const WINDOW = 200;
const SUBSCRIBERS = 4;
/** The issue's target for one Switchboard connection, acknowledged after commit. */
const TARGET_MESSAGES_PER_SECOND = 2000;
/** One publisher sends far more than a person: its limit is raised, the check itself still runs. */
const PUBLISHER_RATE_LIMIT = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' };
/** More than any target sends in a second from one connection: sizes the delivery tracker. */
const MAX_MESSAGES_PER_SECOND = 100_000;
const DRAIN_MS = 3000;
const BACKING_SERVICES = ['postgres', 'redis-server'];

const ACK = Buffer.from('{"type":"ack"');
const ERROR = Buffer.from('{"type":"error"');
const SOCKET_IO_ACK = Buffer.from('43');

function startsWith(payload: Buffer, prefix: Buffer): boolean {
  return (
    payload.length >= prefix.length &&
    payload.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
  );
}

interface PublishRun {
  messagesPerSecond: number;
  ackP50: number;
  ackP99: number;
  deliveryP50: number;
  deliveryP99: number;
  lost: number;
  errors: number;
  cpuPerMessage: number;
  backingCpuPercent: number;
  loadCpuPercent: number;
}

/**
 * One publisher keeping up to WINDOW messages unanswered in one room with SUBSCRIBERS members. An
 * answer is Switchboard's ack (after commit), Socket.IO's ack callback, and for the bare peer, which
 * has no acks, the publisher's own copy of the broadcast. Answers come in send order on one
 * connection, so their send times are kept first in, first out.
 */
class PublishRig {
  private readonly deliveries = new DeliveryTracker();
  private readonly ackLatency = new LatencyRecorder();
  private readonly sentAt = new Float64Array(WINDOW);
  private oldest = 0;
  private inFlight = 0;
  private answered = 0;
  private errors = 0;
  private sending = false;
  private sent = 0;
  private capacity = 0;
  private base = 0;

  private constructor(
    private readonly target: WsTarget,
    private readonly room: string,
    private readonly subscribers: RawWebSocket[],
    private readonly publisher: RawWebSocket,
  ) {}

  static async open(target: WsTarget, room: string, progress: Progress): Promise<PublishRig> {
    const { protocol, ports } = target;
    const sockets = await openConnections(
      SUBSCRIBERS + 1,
      (i) => ({
        // The publisher (index 0) is on the first instance; subscribers alternate between both.
        port: ports[i % ports.length],
        path: protocol.path(i === 0 ? 'publisher' : `sub-${i}`, room),
        setup: (ws) => protocol.join(ws, room),
      }),
      progress,
    );
    const [publisher, ...subscribers] = sockets;
    const rig = new PublishRig(target, room, subscribers, publisher);
    for (const ws of subscribers)
      protocol.listen(ws, (payload) => rig.deliveries.delivered(payload));
    if (target.name === 'switchboard') {
      protocol.listen(
        publisher,
        () => undefined,
        (payload) => {
          if (startsWith(payload, ACK)) rig.answer();
          else if (startsWith(payload, ERROR)) rig.answer(true);
        },
      );
    } else if (target.name === 'socket.io') {
      protocol.listen(
        publisher,
        () => undefined,
        (payload) => {
          if (startsWith(payload, SOCKET_IO_ACK)) rig.answer();
        },
      );
    } else {
      protocol.listen(publisher, () => rig.answer());
    }
    return rig;
  }

  private publish(index: number): void {
    const text = stampText(index);
    if (this.target.name === 'socket.io') {
      // An ack id asks the peer's handler for its callback; 1 was the join's.
      this.publisher.sendText(`42${index + 2}["m","${this.room}","${text}"]`);
    } else {
      this.target.protocol.publish(this.publisher, this.room, text);
    }
  }

  private fill(): void {
    while (this.sending && this.inFlight < WINDOW && this.sent < this.capacity) {
      this.sentAt[(this.oldest + this.inFlight) % WINDOW] = nowMicros();
      this.inFlight++;
      this.publish(this.base + this.sent++);
    }
  }

  private answer(refused = false): void {
    if (this.inFlight === 0) return;
    this.ackLatency.record(nowMicros() - this.sentAt[this.oldest]);
    this.oldest = (this.oldest + 1) % WINDOW;
    this.inFlight--;
    this.answered++;
    if (refused) this.errors++;
    this.fill();
  }

  /** Publishes as fast as answers allow for `durationMs`; the rate counts answers within it. */
  async run(durationMs: number, progress: Progress): Promise<PublishRun> {
    this.capacity = Math.ceil((MAX_MESSAGES_PER_SECOND * durationMs) / 1000);
    this.base = this.deliveries.begin(this.capacity);
    this.ackLatency.reset();
    this.sent = 0;
    this.answered = 0;
    this.errors = 0;
    const window = new MeasuredWindow(() => this.target.servers.cpuSeconds());
    const backing = new MeasuredWindow(() => cpuSecondsOfCommands(BACKING_SERVICES));
    this.sending = true;
    this.fill();
    const ends = Date.now() + durationMs;
    while (Date.now() < ends) {
      await sleep(250);
      progress.update(`${this.answered} answered, ${this.deliveries.received} delivered`);
    }
    this.sending = false;
    const answeredInTime = this.answered;
    const seconds = window.wallSeconds();
    await drain(
      () => this.inFlight === 0 && this.deliveries.received >= this.sent * SUBSCRIBERS,
      DRAIN_MS,
    );
    const cpu = window.cpu();
    const wall = window.wallSeconds();
    const acks = this.ackLatency.summary();
    const delivery = this.deliveries.latency.summary();
    return {
      messagesPerSecond: answeredInTime / seconds,
      ackP50: acks.p50,
      ackP99: acks.p99,
      deliveryP50: delivery.p50,
      deliveryP99: delivery.p99,
      lost: this.deliveries.lost(SUBSCRIBERS, this.sent),
      errors: this.errors,
      cpuPerMessage: this.answered ? (cpu / this.answered) * 1e6 : NaN,
      backingCpuPercent: (backing.cpu() / wall) * 100,
      loadCpuPercent: window.loadCpuPercent(),
    };
  }

  close(): void {
    closeAll([...this.subscribers, this.publisher]);
  }
}

const COLUMNS: Column[] = [
  { key: 'messagesPerSecond', label: 'messages/s answered', digits: 0 },
  { key: 'ackP50', label: 'answer p50 ms', digits: 2 },
  { key: 'ackP99', label: 'answer p99 ms', digits: 2 },
  { key: 'deliveryP50', label: 'delivery p50 ms', digits: 2 },
  { key: 'deliveryP99', label: 'delivery p99 ms', digits: 2 },
  { key: 'lost', label: 'lost', digits: 0 },
  { key: 'errors', label: 'errors', digits: 0 },
  { key: 'cpuPerMessage', label: 'server CPU µs/message', digits: 1 },
  { key: 'backingCpuPercent', label: 'pg+redis CPU %', digits: 0 },
  { key: 'loadCpuPercent', label: 'loadgen CPU %', digits: 0 },
];

/**
 * `publish-rate`: one connection publishing as fast as it can, with up to WINDOW messages
 * unanswered, into a room of SUBSCRIBERS members on two instances: the messages per second one
 * connection sustains (Switchboard's acknowledged after commit; the peers store nothing).
 */
export async function publishRate(context: ScenarioContext): Promise<void> {
  const warmUpMs = context.quick ? 500 : 3000;
  const durationMs = context.quick ? 2000 : 10_000;
  const rows: Row[] = [];
  for (const name of TARGETS.filter((target) => context.selects(target))) {
    log(`publish-rate: ${name}, window ${WINDOW}, ${SUBSCRIBERS} subscribers`);
    const target = await startWsTarget(name, context.env, { gatewayEnv: PUBLISHER_RATE_LIMIT });
    const progress = new Progress(`${name} publish-rate`);
    try {
      const rig = await PublishRig.open(target, `publish-rate-${Date.now()}`, progress);
      try {
        await rig.run(warmUpMs, progress);
        await sleep(500);
        rows.push({ target: name, values: { ...(await rig.run(durationMs, progress)) } });
      } finally {
        rig.close();
        progress.done();
      }
    } finally {
      await target.servers.stop();
    }
  }
  const switchboard = rows.find((row) => row.target === 'switchboard')?.values.messagesPerSecond;
  context.report({
    scenario: 'publish-rate',
    case: `one publisher, up to ${WINDOW} unanswered, a room of ${SUBSCRIBERS} on two instances, ${durationMs / 1000} s`,
    columns: COLUMNS,
    rows,
    comparisons: [
      ...compare(rows, 'messagesPerSecond'),
      ...compare(rows, 'ackP99'),
      ...compare(rows, 'deliveryP99'),
    ],
    notes: [
      `target: >= ${TARGET_MESSAGES_PER_SECOND} messages/s from one Switchboard connection — ${switchboard === undefined || switchboard === null ? 'not run' : `${switchboard.toFixed(0)}/s, ${switchboard >= TARGET_MESSAGES_PER_SECOND ? 'met' : 'missed'}`}`,
      'answered: Switchboard acks after the commit; Socket.IO calls the ack callback after the broadcast; ws+ioredis has no ack, so its answer is the publisher’s own copy of the broadcast',
      'the peers persist nothing',
    ],
  });
}
