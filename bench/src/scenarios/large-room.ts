import { closeAll, openConnections, sleep } from '../harness/connections';
import { DeliveryTracker } from '../harness/delivery-tracker';
import { MeasuredWindow } from '../harness/measured-window';
import { drain, paceSends } from '../harness/pacing';
import { CLOCK_TICKS_PER_SECOND } from '../harness/processes';
import { log, Progress } from '../harness/progress';
import { RawWebSocket } from '../harness/raw-websocket';
import { Column, compare, DELIVERY_COLUMNS, deliveryValues, Row } from '../harness/report';
import { nowMicros, stampText } from '../harness/stamp';
import { startWsTarget, WsTarget, WsTargetName } from '../harness/targets';
import { ScenarioContext } from './scenario';

/** How a Switchboard member joins: `watch` (no presence) or a join that announces and lists members. */
type JoinMode = 'watch' | 'presence';

interface Contender {
  /** The row's name: `switchboard` is the one compared with the others. */
  label: string;
  target: WsTargetName;
  mode: JoinMode | null;
}

const PEERS: Contender[] = [
  { label: 'ws', target: 'ws', mode: null },
  { label: 'ws+ioredis', target: 'ws+ioredis', mode: null },
];
const WATCH: Contender = { label: 'switchboard', target: 'switchboard', mode: 'watch' };
const PRESENCE: Contender = {
  label: 'switchboard (presence joins)',
  target: 'switchboard',
  mode: 'presence',
};

/** One publisher sends far more than a person: its limit is raised, the check itself still runs. */
const PUBLISHER_RATE_LIMIT = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' };
/** The join phase ends when no member has received a frame (a `user_joined`, say) for this long. */
const QUIET_MS = 1000;
/** A join in a room of thousands with presence waits behind every announcement before it. */
const JOIN_TIMEOUT_MS = 120_000;
const DRAIN_MS = 3000;
const JOINED = Buffer.from('{"type":"joined"');
const ERROR = Buffer.from('{"type":"error"');

const startsWith = (payload: Buffer, prefix: Buffer) =>
  payload.length >= prefix.length &&
  payload.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/** Sends a Switchboard join in `mode` and resolves on its `joined` (frames before it are dropped). */
function switchboardJoin(ws: RawWebSocket, room: string, mode: JoinMode): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`no joined within ${JOIN_TIMEOUT_MS} ms`)),
      JOIN_TIMEOUT_MS,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      ws.onMessage = () => undefined;
      ws.onClose = () => undefined;
      if (error) reject(error);
      else resolve();
    };
    ws.onMessage = (payload) => {
      if (startsWith(payload, JOINED)) finish();
      else if (startsWith(payload, ERROR)) finish(new Error(`join ${room}: ${payload.toString()}`));
    };
    ws.onClose = (code) => finish(new Error(`closed with ${code} while joining ${room}`));
    ws.sendText(
      JSON.stringify({ type: 'join', room, ...(mode === 'watch' ? { watch: true } : {}) }),
    );
  });
}

function join(
  target: WsTarget,
  mode: JoinMode | null,
  ws: RawWebSocket,
  room: string,
): Promise<void> {
  return mode ? switchboardJoin(ws, room, mode) : target.protocol.join(ws, room);
}

/** The join phase and the fan-out after it, in the units the report shows. */
function memberValues(
  members: number,
  joinCpuSeconds: number,
  joinSeconds: number,
): Record<string, number> {
  return {
    members,
    joinCpuMs: joinCpuSeconds * 1000,
    joinCpuPerMember: (joinCpuSeconds / members) * 1e6,
    joinSeconds,
  };
}

const JOIN_COLUMNS: Column[] = [
  { key: 'members', label: 'members', digits: 0 },
  { key: 'joinSeconds', label: 'join phase s', digits: 2 },
  { key: 'joinCpuMs', label: 'join phase server CPU ms', digits: 0 },
  { key: 'joinCpuPerMember', label: 'server CPU µs/member joined', digits: 0 },
];

/**
 * Opens `members` connections, each its own user, into one room (the join phase: connect and join,
 * until the members have heard nothing for QUIET_MS), then one publisher sends stamped messages at
 * `deliveriesPerSecond` for `durationMs`.
 */
async function measure(
  context: ScenarioContext,
  contender: Contender,
  members: number,
  deliveriesPerSecond: number,
  durationMs: number,
): Promise<Row> {
  const target = await startWsTarget(contender.target, context.env, {
    gatewayEnv: PUBLISHER_RATE_LIMIT,
  });
  const progress = new Progress(`${contender.label} N=${members}`);
  const room = `large-${members}-${contender.mode ?? 'peer'}`;
  const tracker = new DeliveryTracker();
  let lastFrame = nowMicros();
  let sockets: RawWebSocket[] = [];
  try {
    const { protocol, ports } = target;
    await sleep(500);
    const joining = new MeasuredWindow(() => target.servers.cpuSeconds());
    sockets = await openConnections(
      members,
      (i) => ({
        port: ports[i % ports.length],
        path: protocol.path(`${room}-member-${i}`, room),
        setup: async (ws) => {
          await protocol.ready(ws);
          await join(target, contender.mode, ws, room);
          protocol.listen(
            ws,
            (payload) => tracker.delivered(payload),
            () => (lastFrame = nowMicros()),
          );
        },
      }),
      progress,
    );
    lastFrame = nowMicros();
    while (nowMicros() - lastFrame < QUIET_MS * 1000) await sleep(100);
    const joinCpu = joining.cpu();
    const joinSeconds = (lastFrame - joining.started) / 1e6;

    let publishErrors = 0;
    const [publisher] = await openConnections(
      1,
      () => ({
        port: ports[0],
        path: protocol.path(`${room}-publisher`, null),
        setup: async (ws) => {
          await protocol.ready(ws);
          // Switchboard only takes messages from members.
          if (contender.mode) await switchboardJoin(ws, room, 'watch');
        },
      }),
      progress,
    );
    sockets.push(publisher);
    protocol.listen(
      publisher,
      () => undefined,
      (payload) => {
        if (startsWith(payload, ERROR)) publishErrors++;
      },
    );
    const messages = Math.max(1, Math.round((deliveriesPerSecond / members) * (durationMs / 1000)));
    const base = tracker.begin(messages);
    const expected = messages * members;
    const window = new MeasuredWindow(() => target.servers.cpuSeconds());
    await paceSends(
      messages,
      deliveriesPerSecond / members,
      (i) => protocol.publish(publisher, room, stampText(base + i)),
      (sent) =>
        progress.update(`${sent}/${messages} sent, ${tracker.received}/${expected} delivered`),
    );
    await drain(() => tracker.received >= expected, DRAIN_MS);
    const cpuSeconds = window.cpu();
    if (publishErrors) log(`large-room: ${contender.label}: ${publishErrors} messages refused`);
    return {
      target: contender.label,
      values: {
        ...memberValues(members, joinCpu, joinSeconds),
        ...deliveryValues({
          deliveriesPerSecond: tracker.received / window.secondsToLastReceipt(tracker),
          latency: tracker.latency.summary(),
          lost: tracker.lost(members),
          peakRssMb: target.servers.peakRssKb() / 1024,
          cpuPerDeliveryMicros: tracker.received ? (cpuSeconds / tracker.received) * 1e6 : NaN,
          loadCpuPercent: window.loadCpuPercent(),
        }),
      },
    };
  } finally {
    closeAll(sockets);
    progress.done();
    await target.servers.stop();
  }
}

async function runCase(
  context: ScenarioContext,
  contenders: Contender[],
  members: number,
  rate: number,
  durationMs: number,
  title: string,
  notes: string[],
): Promise<void> {
  const rows: Row[] = [];
  for (const contender of contenders.filter(({ target }) => context.selects(target))) {
    log(`large-room: ${contender.label}, ${members} members`);
    rows.push(await measure(context, contender, members, rate, durationMs));
  }
  context.report({
    scenario: 'large-room',
    case: title,
    columns: [...JOIN_COLUMNS, ...DELIVERY_COLUMNS],
    rows,
    comparisons: [
      ...compare(rows, 'joinCpuPerMember'),
      ...compare(rows, 'joinSeconds'),
      ...compare(rows, 'p99'),
    ],
    notes: [
      'join phase: from the first connection opened to the last frame a member received before 1 s of quiet (the time), CPU read after that quiet second (so it holds 1 s of idle CPU); Switchboard verifies a JWT per connection, checks access and reads history per join, the bare peers join by upgrade path',
      `server CPU is utime + stime from /proc/<pid>/stat in ${CLOCK_TICKS_PER_SECOND} Hz ticks`,
      ...notes,
    ],
  });
}

/**
 * `large-room`: one room of 10,000 members, each its own user. Switchboard's members join with
 * `watch` (no presence: O(1) per join), against the bare ws peer and the pre-framed ws + ioredis
 * peer; then a fixed-rate fan-out to all of them. A smaller room compares watch joins with presence
 * joins, which announce every joiner to every member and list the members in each reply (O(N²)).
 */
export async function largeRoom(context: ScenarioContext): Promise<void> {
  const big = context.quick ? 50 : 10_000;
  const small = context.quick ? 20 : 1000;
  const rate = context.quick ? 2000 : 20_000;
  const durationMs = context.quick ? 1000 : 10_000;
  await runCase(
    context,
    [...PEERS, WATCH],
    big,
    rate,
    durationMs,
    `${big} members join one room (Switchboard: watch joins, two gateways), then ${rate} deliveries/s for ${durationMs / 1000} s`,
    [],
  );
  await runCase(
    context,
    [PRESENCE, WATCH],
    small,
    rate,
    durationMs,
    `${small} members join one room: watch joins against presence joins (two gateways), then ${rate} deliveries/s for ${durationMs / 1000} s`,
    [
      `presence joins at ${small}, not ${big}: each join announces the joiner to every member and lists every member in its reply, so the phase grows with N²; at ${big} it would take many minutes`,
    ],
  );
}
