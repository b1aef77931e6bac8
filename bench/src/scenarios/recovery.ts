import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_BACKOFF, reconnectDelay } from '@switchboard/client';
import { Client } from 'pg';
import { openMany, sleep } from '../harness/connections';
import { BenchEnvironment } from '../harness/environment';
import { drain, paceSends } from '../harness/pacing';
import { log, Progress } from '../harness/progress';
import { MeasuredWindow } from '../harness/measured-window';
import {
  cpuSecondsOfCommands,
  ServerGroup,
  ServerProcess,
  startServer,
} from '../harness/processes';
import { RawWebSocket } from '../harness/raw-websocket';
import { Column } from '../harness/report';
import { nowMicros, stampText } from '../harness/stamp';
import {
  httpStatus,
  startWsTarget,
  switchboardEnv,
  switchboardNodeFlags,
  switchboardScript,
} from '../harness/targets';
import { ScenarioContext } from './scenario';

const ROOM_SIZE = 10;
const BACKING_SERVICES = ['postgres', 'redis-server'];

interface RecoveryShape {
  connections: number;
  messagesPerSecond: number;
  /** How long messages flow before the cut. */
  flowMs: number;
  /** How long messages flow again once every client is back (live delivery after the storm). */
  resumeMs: number;
  /** The storm is given up after this long; clients still missing messages then are reported. */
  giveUpMs: number;
  /** How long PostgreSQL's statistics may take to settle (idle backends report within ~10 s). */
  statsSettleMs: number;
}

const FULL: RecoveryShape = {
  connections: 10_000,
  messagesPerSecond: 1000,
  flowMs: 15_000,
  resumeMs: 5000,
  giveUpMs: 60_000,
  statsSettleMs: 12_000,
};
const QUICK: RecoveryShape = {
  connections: 100,
  messagesPerSecond: 100,
  flowMs: 1500,
  resumeMs: 1000,
  giveUpMs: 20_000,
  statsSettleMs: 2000,
};

/** Loopback source addresses, as the harness's connections use, so reconnects never run out of ports. */
const SOURCE_ADDRESSES = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
const MESSAGE_FRAME = Buffer.from('{"type":"message"');
const JOINED_FRAME = Buffer.from('{"type":"joined"');
const ACK_FRAME = Buffer.from('{"type":"ack"');
const ERROR_FRAME = Buffer.from('{"type":"error"');
const startsWith = (payload: Buffer, prefix: Buffer) =>
  payload.length >= prefix.length &&
  payload.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/** One client: its room, every seq it received (counted, so a duplicate shows), and its socket. */
class Member {
  ws: RawWebSocket | null = null;
  /** counts[seq]: how often the seq reached this client, live or in a `joined` reply. */
  counts = new Uint8Array(64);
  /** Every seq up to this one has been received. */
  contiguous = 0;
  /** The highest seq received: what the client rejoins with as `since`. */
  lastSeq = 0;
  joined = false;
  /** The first join's promise, settled by `joined`, an error frame or a close. */
  firstJoin: { resolve: () => void; reject: (error: Error) => void } | null = null;
  /** Load generator microseconds when it held everything up to its room's end after the cut. */
  recoveredAt = 0;
  reconnectAttempts = 0;
  /** The SDK's backoff step: attempts since the last restored connection. */
  backoffStep = 0;

  constructor(
    readonly index: number,
    readonly roomIndex: number,
    readonly room: string,
    readonly port: number,
    readonly path: string,
  ) {}
}

/** Why reconnect attempts failed before the upgrade's 101. */
interface FailedAttempts {
  refused: number;
  timedOut: number;
  other: number;
}

/**
 * The recovery storm's clients: each in one room of ten, spread over two gateways. Once `cut` is
 * set, every closed socket reconnects as the SDK does (`reconnectDelay`: full jitter, 0.5 s doubling
 * to 20 s, the step reset once the rejoin is answered) and rejoins with `since` = the last seq it saw; a client has recovered when it has rejoined and holds every seq from 1 to its room's last
 * seq committed before the cut (read from PostgreSQL once the gateways are back).
 */
class RecoveryStorm {
  readonly members: Member[];
  /** The last committed seq of each room at the cut; -1 until read. */
  readonly roomEnds: Int32Array;
  cutMicros = 0;
  /** When the first client after the cut got its `joined` reply: the restarted gateways serve. */
  firstRejoinedMicros = 0;
  /** Called once, at `firstRejoinedMicros`. */
  onFirstRejoin: () => void = () => undefined;
  recovered = 0;
  readonly recoveredAt: number[] = [];
  duplicates = 0;
  acks = 0;
  errors = 0;
  firstError: string | null = null;
  /** Clients that had not received their room's last seq when the gateways died. */
  behindAtCut = 0;
  moreReplies = 0;
  readonly failedAttempts: FailedAttempts = { refused: 0, timedOut: 0, other: 0 };
  private reconnecting = false;
  private addressTurn = 0;

  constructor(
    private readonly shape: RecoveryShape,
    ports: number[],
    runId: string,
    tokenOf: (user: string) => string,
  ) {
    const rooms = shape.connections / ROOM_SIZE;
    this.roomEnds = new Int32Array(rooms).fill(-1);
    this.members = Array.from({ length: shape.connections }, (_, i) => {
      const roomIndex = Math.floor(i / ROOM_SIZE);
      return new Member(
        i,
        roomIndex,
        `recovery-${runId}-${roomIndex}`,
        ports[i % ports.length],
        `/ws?access_token=${tokenOf(`recovery-${i}`)}`,
      );
    });
  }

  rooms(): string[] {
    return this.members.filter((_, i) => i % ROOM_SIZE === 0).map((member) => member.room);
  }

  /**
   * Opens the member's socket and sends its join (with `since` after the cut). A reconnect waits for
   * its upgrade as the SDK does, which sets no timeout of its own (the browser's TCP gives up after
   * minutes): until the storm is given up.
   */
  async connect(member: Member): Promise<void> {
    const localAddress = SOURCE_ADDRESSES[this.addressTurn++ % SOURCE_ADDRESSES.length];
    const ws = await RawWebSocket.open(
      { host: '127.0.0.1', port: member.port, path: member.path, localAddress },
      this.reconnecting ? this.shape.giveUpMs : undefined,
    );
    member.ws = ws;
    member.joined = false;
    ws.onMessage = (payload) => this.frame(member, payload);
    ws.onClose = () => this.closed(member, ws);
    ws.sendText(
      JSON.stringify(
        this.reconnecting
          ? { type: 'join', room: member.room, since: member.lastSeq }
          : { type: 'join', room: member.room },
      ),
    );
  }

  /** Connects and resolves once `joined` came (the first, orderly join of every member). */
  join(member: Member): Promise<void> {
    return new Promise((resolve, reject) => {
      member.firstJoin = { resolve, reject };
      this.connect(member).catch(reject);
    });
  }

  publish(memberIndex: number, text: string): void {
    const member = this.members[memberIndex];
    member.ws?.sendText(`{"type":"message","room":"${member.room}","text":"${text}"}`);
  }

  /** From now on a closed socket reconnects with jittered backoff. */
  startReconnecting(): void {
    this.reconnecting = true;
    this.cutMicros = nowMicros();
  }

  /** The rooms' ends are known: every member that already holds its room's end counts as recovered. */
  setRoomEnds(ends: Map<string, number>): void {
    for (const member of this.members) {
      this.roomEnds[member.roomIndex] = ends.get(member.room) ?? 0;
      if (member.contiguous < this.roomEnds[member.roomIndex]) this.behindAtCut++;
      this.checkRecovered(member);
    }
  }

  closeAll(): void {
    this.reconnecting = false;
    for (const member of this.members) member.ws?.destroy();
  }

  private closed(member: Member, ws: RawWebSocket): void {
    if (member.ws !== ws) return;
    member.ws = null;
    member.joined = false;
    member.firstJoin?.reject(new Error(`${member.room}: closed before joined`));
    member.firstJoin = null;
    if (this.reconnecting) this.scheduleReconnect(member);
  }

  private scheduleReconnect(member: Member): void {
    setTimeout(
      () => {
        if (!this.reconnecting) return;
        member.reconnectAttempts++;
        this.connect(member).catch((error: Error & { code?: string }) => {
          if (error.code === 'ECONNREFUSED') this.failedAttempts.refused++;
          else if (error.message.includes('timed out')) this.failedAttempts.timedOut++;
          else this.failedAttempts.other++;
          this.scheduleReconnect(member);
        });
      },
      reconnectDelay(member.backoffStep++, DEFAULT_BACKOFF),
    );
  }

  private frame(member: Member, payload: Buffer): void {
    if (startsWith(payload, MESSAGE_FRAME)) {
      this.take(member, (JSON.parse(payload.toString()) as { seq: number }).seq);
    } else if (startsWith(payload, JOINED_FRAME)) {
      const joined = JSON.parse(payload.toString()) as {
        messages: { seq: number }[];
        more?: boolean;
      };
      for (const message of joined.messages) this.take(member, message.seq);
      if (joined.more) this.moreReplies++;
      member.joined = true;
      if (this.cutMicros && member.reconnectAttempts > 0 && !this.firstRejoinedMicros) {
        this.firstRejoinedMicros = nowMicros();
        this.onFirstRejoin();
      }
      member.backoffStep = 0;
      member.firstJoin?.resolve();
      member.firstJoin = null;
      this.checkRecovered(member);
    } else if (startsWith(payload, ACK_FRAME)) {
      this.acks++;
    } else if (startsWith(payload, ERROR_FRAME)) {
      member.firstJoin?.reject(new Error(`${member.room}: ${payload.toString()}`));
      member.firstJoin = null;
      this.errors++;
      this.firstError ??= payload.toString();
    }
  }

  private take(member: Member, seq: number): void {
    if (seq >= member.counts.length) {
      const grown = new Uint8Array(Math.max(seq + 1, member.counts.length * 2));
      grown.set(member.counts);
      member.counts = grown;
    }
    if (++member.counts[seq] > 1) this.duplicates++;
    member.lastSeq = Math.max(member.lastSeq, seq);
    while (member.counts[member.contiguous + 1] > 0) member.contiguous++;
    this.checkRecovered(member);
  }

  private checkRecovered(member: Member): void {
    if (!this.cutMicros || member.recoveredAt || !member.joined || member.reconnectAttempts === 0)
      return;
    const end = this.roomEnds[member.roomIndex];
    if (end < 0 || member.contiguous < end) return;
    member.recoveredAt = nowMicros();
    this.recoveredAt.push((member.recoveredAt - this.cutMicros) / 1000);
    this.recovered++;
  }

  /** Seqs from 1 to each room's final end that a member never received. */
  lost(finalEnds: Map<string, number>): number {
    let lost = 0;
    for (const member of this.members) {
      const end = finalEnds.get(member.room) ?? 0;
      for (let seq = 1; seq <= end; seq++) if (!member.counts[seq]) lost++;
    }
    return lost;
  }
}

/** The last committed seq of each room, from the messages table. */
async function roomEnds(env: BenchEnvironment, rooms: string[]): Promise<Map<string, number>> {
  return env.withDatabase(async (client: Client) => {
    const result = await client.query<{ room: string; last: string }>(
      'SELECT room, max(seq) AS last FROM messages WHERE room = ANY($1) GROUP BY room',
      [rooms],
    );
    return new Map(result.rows.map((row) => [row.room, Number(row.last)]));
  });
}

/** Transactions committed and rolled back in the run's database (pg_stat_statements is not loaded here). */
async function transactions(env: BenchEnvironment): Promise<number> {
  return env.withDatabase(async (client: Client) => {
    const result = await client.query<{ total: string }>(
      'SELECT xact_commit + xact_rollback AS total FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(result.rows[0].total);
  });
}

/**
 * Waits until no backend of the run's database that started before `cut` is left: a killed
 * gateway's backends finish what they were running, commit it, and report their statistics as they exit.
 */
async function oldBackendsGone(env: BenchEnvironment, cut: Date): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const left = await env.withDatabase(async (client: Client) => {
      const result = await client.query<{ count: string }>(
        'SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start < $1',
        [cut],
      );
      return Number(result.rows[0].count);
    });
    if (left === 0) return;
    await sleep(10);
  }
}

/**
 * The kernel's count of connections dropped because a listening socket's accept queue was full
 * (TcpExt ListenOverflows, machine-wide): a dropped SYN is sent again by the client's kernel after
 * 1 s, 3 s, 7 s…, a wait the client's own backoff does not see.
 */
function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const names = lines.find((line) => line.startsWith('TcpExt:'))?.split(' ') ?? [];
    const values = lines.filter((line) => line.startsWith('TcpExt:'))[1]?.split(' ') ?? [];
    const at = names.indexOf('ListenOverflows');
    return at < 0 ? NaN : Number(values[at]);
  } catch {
    return NaN;
  }
}

/** Waits for a SIGKILLed process to be gone, so that its port is free again. */
async function gone(pid: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      if (!existsSync(`/proc/${pid}`)) return;
      if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return;
    } catch {
      return;
    }
    await sleep(5);
  }
}

/**
 * Starts a gateway on `port` again, as the harness starts it (with BENCH_CPU_PROF=<dir> it writes a
 * CPU profile there: the restarted gateways are where the storm's handshakes and joins run).
 */
function restartGateway(
  env: BenchEnvironment,
  port: number,
  started: ServerProcess[],
): ServerProcess {
  const server = startServer(
    `switchboard gateway:${port} (restarted)`,
    switchboardScript('gateway'),
    [],
    switchboardEnv(env, port),
    switchboardNodeFlags('gateway'),
  );
  started.push(server);
  return server;
}

const percentile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

const COLUMNS: Column[] = [
  { key: 'clients', label: 'clients', digits: 0 },
  { key: 'firstRejoinedMs', label: 'first rejoined ms', digits: 0 },
  { key: 'recovered99Ms', label: '99% recovered ms', digits: 0 },
  { key: 'recoveredAllMs', label: '100% recovered ms', digits: 0 },
  { key: 'recovered', label: 'recovered', digits: 0 },
  { key: 'lost', label: 'lost', digits: 0 },
  { key: 'duplicates', label: 'duplicates', digits: 0 },
  { key: 'transactionsPerClient', label: 'pg transactions/client', digits: 2 },
  { key: 'peakRssMb', label: 'peak gateway RSS MB', digits: 1 },
];

/**
 * `recovery`: 10,000 clients in 1,000 rooms of ten on two gateways, messages flowing at 1,000/s;
 * both gateways are killed with SIGKILL at once and restarted on their ports, every client
 * reconnects after a jittered delay and rejoins with `since`. Messages pause during the storm (so
 * the database work counted is the recovery's) and flow again once every client is back.
 */
export async function recovery(context: ScenarioContext): Promise<void> {
  if (!context.selects('switchboard')) return;
  const shape = context.quick ? QUICK : FULL;
  const { env } = context;
  log(
    `recovery: switchboard, ${shape.connections} connections, ${shape.messagesPerSecond} messages/s, then both gateways killed`,
  );
  const target = await startWsTarget('switchboard', env);
  let servers = target.servers;
  const progress = new Progress('switchboard recovery');
  const runId = Math.random().toString(36).slice(2, 8);
  const storm = new RecoveryStorm(shape, target.ports, runId, (user) => env.tokenOf(user));
  const notes: string[] = [];
  const started: ServerProcess[] = [];
  try {
    const joinsStarted = nowMicros();
    await openMany(
      storm.members.length,
      (index) => storm.join(storm.members[index]),
      () => storm.closeAll(),
      'clients joined',
      progress,
    );
    const joinSeconds = (nowMicros() - joinsStarted) / 1e6;
    // Members send in turn, striding through the rooms as `chat` does.
    const stride = (i: number) =>
      (i * ROOM_SIZE + Math.floor(i / (storm.members.length / ROOM_SIZE))) % storm.members.length;
    const flow = async (durationMs: number, first: number) => {
      const messages = Math.round((shape.messagesPerSecond * durationMs) / 1000);
      await paceSends(
        messages,
        shape.messagesPerSecond,
        (i) => storm.publish(stride(first + i), stampText(first + i)),
        (sent) => progress.update(`${sent}/${messages} messages sent, ${storm.acks} acked`),
      );
      return messages;
    };
    const before = await flow(shape.flowMs, 0);
    log(`recovery: ${before} messages sent, ${storm.acks} acked; killing both gateways`);

    // The counts start before the cut, so they include the killed gateways' last commits (the few
    // in flight) and the new ones' start-up.
    const backing = new MeasuredWindow(() => cpuSecondsOfCommands(BACKING_SERVICES));
    const transactionsBefore = await transactions(env);
    const overflowsBefore = listenOverflows();
    storm.startReconnecting();
    const cut = new Date();
    const killed = servers.processes;
    for (const server of killed) process.kill(server.pid, 'SIGKILL');
    const sinceCut = () => ((nowMicros() - storm.cutMicros) / 1000).toFixed(0);
    await Promise.all(killed.map((server) => gone(server.pid)));
    const goneMs = sinceCut();
    // Restarted at once, as a supervisor would.
    const restarted = target.ports.map((port) => restartGateway(env, port, started));
    servers = new ServerGroup(restarted);
    const spawnedMs = sinceCut();
    const gateways = new MeasuredWindow(() => servers.cpuSeconds());
    let startUpCpuSeconds = NaN;
    storm.onFirstRejoin = () => (startUpCpuSeconds = gateways.cpu());
    const ready = Promise.all(
      restarted.map((server, i) =>
        server.waitUntil(async () => (await httpStatus(target.ports[i], '/health/ready')) === 200),
      ),
    ).then(() => (nowMicros() - storm.cutMicros) / 1000);
    // The room ends are final once the killed gateways' backends have finished what they were
    // running: the load is paused and a rejoin commits no message. Until they are read, no client
    // counts as recovered.
    await oldBackendsGone(env, cut);
    storm.setRoomEnds(await roomEnds(env, storm.rooms()));
    const endsReadMs = sinceCut();
    const readyMs = await ready;

    let peakRssKb = servers.peakRssKb();
    await drain(
      () => storm.recovered === storm.members.length,
      shape.giveUpMs,
      () => {
        peakRssKb = Math.max(peakRssKb, servers.peakRssKb());
        progress.update(`${storm.recovered}/${storm.members.length} recovered`);
      },
    );
    const stormMs = (nowMicros() - storm.cutMicros) / 1000;
    const overflows = listenOverflows() - overflowsBefore;
    const firstRejoinedMs = storm.firstRejoinedMicros
      ? (storm.firstRejoinedMicros - storm.cutMicros) / 1000
      : NaN;
    const servingSeconds = (stormMs - firstRejoinedMs) / 1000;
    const servingCpuSeconds = gateways.cpu() - startUpCpuSeconds;
    const gatewayCpuPercent = (servingCpuSeconds / servingSeconds) * 100;
    const gatewayCpuMsPerClient = (servingCpuSeconds * 1000) / Math.max(1, storm.recovered);
    const backingCpuPercent = (backing.cpu() / backing.wallSeconds()) * 100;
    // Idle backends report their statistics up to 10 s late (PGSTAT_IDLE_INTERVAL).
    await sleep(shape.statsSettleMs);
    const transactionsAfter = await transactions(env);

    // Live traffic again: what the rejoined clients receive must continue the same seqs.
    await flow(shape.resumeMs, before);
    const finalEnds = await roomEnds(env, storm.rooms());
    await drain(
      () => storm.members.every((member) => member.contiguous >= (finalEnds.get(member.room) ?? 0)),
      3000,
    );
    peakRssKb = Math.max(peakRssKb, servers.peakRssKb());
    const lost = storm.lost(finalEnds);
    const sorted = [...storm.recoveredAt].sort((a, b) => a - b);
    const all = storm.members.length;
    notes.push(
      `a client has recovered when, after the cut, it has reconnected, received its \`joined\` reply and holds every seq from 1 to its room's last seq committed before the cut (read from PostgreSQL once the killed gateways' backends were gone); times are from the SIGKILL, the gateways' start-up included`,
      `${storm.behindAtCut} of ${all} clients had not received their room's last seq when the gateways died`,
      `reconnects wait as the SDK's do (\`reconnectDelay\`, full jitter: a uniform random delay up to ${DEFAULT_BACKOFF.initialDelayMs / 1000} s doubling per failed attempt to ${DEFAULT_BACKOFF.maxDelayMs / 1000} s, from the first after a rejoin is answered); attempts that failed before the upgrade: ${storm.failedAttempts.refused} refused, ${storm.failedAttempts.timedOut} timed out (a reconnect waits for its upgrade until the storm is given up, as the SDK sets no timeout), ${storm.failedAttempts.other} otherwise; the rejoin carries \`since\` = the last seq the client saw`,
      `timeline from the SIGKILL: killed processes gone at ${goneMs} ms, gateways started at ${spawnedMs} ms, the room ends read at ${endsReadMs} ms (once the killed gateways' PostgreSQL backends were gone), the first client rejoined at ${firstRejoinedMs.toFixed(0)} ms (the gateways serve from about then), both answered /health/ready at ${readyMs.toFixed(0)} ms (the probe waits behind the held connections); ${overflows} connections were dropped by a full accept queue from the start to the last recovery (TcpExt ListenOverflows, machine-wide)`,
      `messages: ${before} sent at ${shape.messagesPerSecond}/s before the cut (${storm.acks} acks in all), paused during the storm, then ${shape.resumeMs / 1000} s more after it; lost and duplicates count every seq 1…room end of every client over the whole run`,
      `PostgreSQL work is counted in transactions (xact_commit + xact_rollback of the run's database in pg_stat_database; pg_stat_statements is not loaded) from the cut until every client recovered, read ${shape.statsSettleMs / 1000} s later, divided by recovered clients; it includes the two gateways' start-up and readiness queries${context.quick ? ' (quick: the statistics have not settled, the figure is not meaningful)' : ''}`,
      `${storm.moreReplies} \`joined\` replies said \`more\` (not followed: a room misses a few seqs, the resume limit is 500); ${storm.errors} error frames${storm.firstError ? `, the first: ${storm.firstError}` : ''}`,
      `the first joins ran at ${(all / joinSeconds).toFixed(0)} clients/s (${all} in ${joinSeconds.toFixed(1)} s, 200 at a time, the same handshake and join as a rejoin); the restarted gateways used ${startUpCpuSeconds.toFixed(2)} s of CPU (both together) from their start to the first rejoin, then ${gatewayCpuPercent.toFixed(0)}% of one core to the last recovery (${gatewayCpuMsPerClient.toFixed(2)} ms of CPU per recovered client, handshake and rejoin), PostgreSQL and Redis ${backingCpuPercent.toFixed(0)}% of a core from the cut (every postgres and redis-server process on the machine, backends that exited meanwhile included, other engineers' too)`,
      `the storm is given up after ${shape.giveUpMs / 1000} s; this one took ${(stormMs / 1000).toFixed(1)} s`,
      'Socket.IO is not measured: its connection-state recovery across two nodes needs @socket.io/redis-streams-adapter, which is not installed (only @socket.io/redis-adapter), and a restarted node has lost its in-memory recovery buffer, so after a kill -9 it recovers nothing',
    );
    context.report({
      scenario: 'recovery',
      case: `${all} clients in ${all / ROOM_SIZE} rooms of ${ROOM_SIZE} on two gateways, ${shape.messagesPerSecond} messages/s, both gateways killed (SIGKILL) and restarted at once, one run`,
      columns: COLUMNS,
      rows: [
        {
          target: 'switchboard',
          values: {
            clients: all,
            firstRejoinedMs,
            recovered99Ms: sorted.length >= Math.ceil(0.99 * all) ? percentile(sorted, 0.99) : null,
            recoveredAllMs: sorted.length === all ? sorted[sorted.length - 1] : null,
            recovered: storm.recovered,
            lost,
            duplicates: storm.duplicates,
            transactionsPerClient: storm.recovered
              ? (transactionsAfter - transactionsBefore) / storm.recovered
              : null,
            peakRssMb: peakRssKb / 1024,
          },
        },
      ],
      comparisons: [],
      notes: [
        `target: all ${all} recovered within 10 s, none lost, none duplicated — ${sorted.length === all && sorted[sorted.length - 1] <= 10_000 && lost === 0 && storm.duplicates === 0 ? 'met' : 'MISSED'}`,
        ...notes,
      ],
    });
  } finally {
    storm.closeAll();
    progress.done();
    await new ServerGroup([...target.servers.processes, ...started]).stop();
  }
}
