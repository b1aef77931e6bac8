import { signTestToken, TEST_JWT_SECRET } from '@switchboard/testing';
import fc from 'fast-check';
import { Pool } from 'pg';
import { ServiceProcess, startService } from '../../support/service-process';
import { freePort } from '../../../tools/testing/test-services';
import { FuzzConnection, ReplyFrame } from './fuzz-connection';
import { heapUsedAfterGc, inspectOption } from './heap-probe';
import {
  ClosingFrame,
  FrameBatch,
  frameBatch,
  HostileFrame,
  namesStoredMessage,
  resolveFrame,
  StoredRef,
} from './hostile-frames';
import { ReplyOracle, replyName, ReplyPlan, SentChange, SentMessage } from './reply-oracle';

// Generated hostile frames on live connections to a gateway process (README, "The WebSocket
// protocol"): every frame gets exactly one reply, in order, or the documented close; what is
// acknowledged is stored byte for byte and nothing else is; the process stays up and its memory
// comes back. Replay a failure with FUZZ_SEED=<seed printed below> npm run test:fuzz.

/** Connections fuzzed at once (the gateway handles each connection's frames one at a time). */
const STREAMS = 4;
/** Batches per stream before the memory baseline is taken, then batches per stream measured. */
const WARM_UP_BATCHES = 40;
const MEASURED_BATCHES = 180;
/** Generous: a reply this late on a loaded 2-core machine is a lost reply, not a slow one. */
const REPLY_TIMEOUT_MS = 15_000;
/**
 * After the run, with every connection closed and a full GC, the live heap may exceed its warmed-up
 * level by this much (about 17 KB per measured connection: a leaked session or room would pass it),
 * and RSS by this much (freed heap pages are not all returned to the system at once).
 */
const HEAP_MARGIN_BYTES = 8 * 1024 * 1024;
const RSS_MARGIN_BYTES = 32 * 1024 * 1024;
const RSS_SETTLE_MS = 20_000;

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** What the run did, printed at the end whether it passed or not. */
class FuzzFigures {
  batches = 0;
  framesSent = 0;
  wireFrames = 0;
  readonly families = new Map<string, number>();
  readonly replies = new Map<string, number>();
  readonly closes = new Map<string, number>();
  acks = 0;
  acknowledged = 0;
  stored = 0;
  changes = 0;
  storedChanges = 0;
  rssStart = 0;
  rssPeak = 0;
  rssEnd = 0;
  heapStart = 0;
  heapEnd = 0;
  logLines = 0;

  count(map: Map<string, number>, key: string, by = 1): void {
    map.set(key, (map.get(key) ?? 0) + by);
  }

  print(): void {
    const list = (map: Map<string, number>) =>
      [...map]
        .sort(([, a], [, b]) => b - a)
        .map(([key, n]) => `${key} ${n}`)
        .join(', ') || 'none';
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    process.stdout.write(
      [
        `fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npm run test:fuzz)`,
        `  connections (batches) ${this.batches}, frames sent ${this.framesSent} (${this.wireFrames} WebSocket data frames)`,
        `  frames by family: ${list(this.families)}`,
        `  replies: ${list(this.replies)}`,
        `  closes by the server: ${list(this.closes)}`,
        `  acks ${this.acks} (${this.acknowledged} distinct messages), stored messages ${this.stored}`,
        `  change_acks ${this.changes}, stored edits and deletes ${this.storedChanges}`,
        `  gateway RSS after warm-up ${mib(this.rssStart)}, peak ${mib(this.rssPeak)}, at the end ${mib(this.rssEnd)}`,
        `  gateway heap in use after a full GC: after warm-up ${mib(this.heapStart)}, at the end ${mib(this.heapEnd)}`,
        `  gateway log lines (LOG_LEVEL=warn) ${this.logLines}`,
        '',
      ].join('\n'),
    );
  }
}

/** The documented close for a closing frame (README, "Close codes"). */
function documentedClose(frame: ClosingFrame): number {
  switch (frame.kind) {
    case 'oversized':
      return 1009;
    case 'invalid-utf8':
      return 1007;
    case 'flood':
      return 1008;
  }
}

const show = (value: unknown) => JSON.stringify(value)?.slice(0, 300);

describe('gateway under generated hostile frames', () => {
  let gateway: ServiceProcess;
  let exitedWith: { code: number | null } | null = null;
  let db: Pool;
  let inspectorPort: number;
  const figures = new FuzzFigures();
  /** Every acknowledged message by id, with what was sent: checked against PostgreSQL at the end. */
  const acknowledged = new Map<string, AcknowledgedMessage>();
  /** The same messages in ack order, for edits and deletes of other users' messages. */
  const acknowledgedRefs: StoredRef[] = [];
  /** Every acknowledged edit and delete, by room and seq (a repeated delete shares its first's). */
  const changes = new Map<string, SentChange & { userId: string }>();
  let users = 0;
  /** Each property's first failure, before fast-check shrinks it to a smaller (maybe other) one. */
  const firstFailures = new Map<number, string>();

  beforeAll(async () => {
    const { SB_TEST_DATABASE_URL, SB_TEST_REDIS_URL, SB_TEST_REDIS_PREFIX } = process.env;
    if (!SB_TEST_DATABASE_URL || !SB_TEST_REDIS_URL || !SB_TEST_REDIS_PREFIX) {
      throw new Error(
        'run through jest -c e2e/fuzz/jest.config.js: its global setup provides the database and Redis',
      );
    }
    inspectorPort = await freePort();
    // The production rate limit (10/s, burst 20, the defaults): each connection is its own user,
    // so a batch's sends are refused only past the burst, and rate_limited is exercised too.
    gateway = await startService('gateway', {
      // Only for reading the heap after a forced GC (heap-probe.ts); bound to loopback.
      NODE_OPTIONS: inspectOption(inspectorPort),
      DATABASE_URL: SB_TEST_DATABASE_URL,
      REDIS_URL: SB_TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `${SB_TEST_REDIS_PREFIX}fuzz:`,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_MS: '2000',
    });
    void gateway.exited.then((code) => (exitedWith = { code }));
    db = new Pool({ connectionString: SB_TEST_DATABASE_URL, max: STREAMS });
  });

  afterAll(async () => {
    await db?.end();
    if (gateway && !exitedWith) {
      const killer = setTimeout(() => void gateway.kill('SIGKILL'), 10_000);
      await gateway.kill('SIGTERM');
      clearTimeout(killer);
    }
  });

  /** One property run: a fresh connection (and user) sends a batch; every problem found is thrown. */
  async function fuzzBatch(streamSeed: number, batch: FrameBatch): Promise<void> {
    const userId = `fuzz-${streamSeed}-${users++}`;
    // Other users' messages, from connections already closed: theirs to edit and delete, not this one's.
    const oracle = new ReplyOracle(userId, acknowledged);
    const connection = await FuzzConnection.open(gateway.wsUrl, signTestToken(userId));
    figures.batches++;
    const problems: string[] = [];
    const plans: ReplyPlan[] = [];
    /** The frames as sent, placeholders filled in. */
    const sent: HostileFrame[] = [];
    const acks: { plan: ReplyPlan; reply: AckReply }[] = [];
    const readPositions: { room: string; seq: number }[] = [];
    let settled = 0;
    /** Checks the replies in so far, in order, and lets the oracle learn from them. */
    const settle = () => {
      const upTo = Math.min(connection.replies.length, plans.length);
      for (; settled < upTo; settled++) {
        const reply = connection.replies[settled];
        const plan = plans[settled];
        figures.count(figures.replies, replyName(reply));
        const problem = plan.accepts.includes(replyName(reply) as never)
          ? plan.check?.(reply)
          : `expected ${plan.accepts.join(' or ')}`;
        if (problem) {
          problems.push(
            `frame #${settled} ${describeFrame(sent, settled)}: ${problem}, got ${show(reply)}`,
          );
        }
        plan.learn?.(reply);
        // Every ack the client saw counts, expected or not: it promises that exactly this is stored.
        if (reply.type === 'ack' || reply.type === 'change_ack') acks.push({ plan, reply });
        if (reply.type === 'read') readPositions.push(reply);
      }
    };
    try {
      for (const generated of batch.frames) {
        // A frame naming a stored message waits for every earlier reply: its ids are known then.
        if (namesStoredMessage(generated)) {
          await connection.until(
            () => connection.replies.length >= plans.length || connection.closeCode !== null,
            REPLY_TIMEOUT_MS,
          );
          if (connection.replies.length < plans.length) break;
          settle();
        }
        const frame = resolveFrame(generated, {
          self: userId,
          own: oracle.ownMessages,
          others: acknowledgedRefs,
        });
        plans.push(oracle.plan(frame));
        sent.push(frame);
        figures.wireFrames += connection.send(frame);
        figures.count(figures.families, frame.family);
      }
      figures.framesSent += sent.length;
      const mayStore = plans.some(
        (plan) => plan.accepts.includes('ack') || plan.accepts.includes('change_ack'),
      );
      const closing = batch.closing;
      // A closing frame right behind the batch cuts off replies in flight; that is only sure to
      // leave nothing unacknowledged in storage when no frame of the batch can store a message.
      if (closing && !mayStore) {
        await sendClosing(connection, closing, plans, oracle);
      } else {
        connection.sendPing();
        plans.push({ accepts: ['pong'] });
        await connection.until(
          () => connection.replies.length >= plans.length || connection.closeCode !== null,
          REPLY_TIMEOUT_MS,
        );
        if (connection.closeCode !== null) {
          problems.push(
            `the server closed with ${connection.closeCode} before answering every frame`,
          );
        } else if (connection.replies.length < plans.length) {
          problems.push(
            `${connection.replies.length} replies to ${plans.length} frames within ${REPLY_TIMEOUT_MS} ms`,
          );
        }
        if (closing) await sendClosing(connection, closing, plans, oracle);
      }
      if (closing) {
        const expected = documentedClose(closing);
        const answeredAll = connection.replies.length >= plans.length;
        if (!(closing.kind === 'flood' && answeredAll)) {
          await connection.until(() => connection.closeCode !== null, REPLY_TIMEOUT_MS);
        }
        // A flood the gateway kept up with is answered frame by frame: also as documented.
        if (connection.closeCode === null && !(closing.kind === 'flood' && answeredAll)) {
          problems.push(`no close after ${closing.kind} (expected ${expected})`);
        } else if (connection.closeCode !== null && connection.closeCode !== expected) {
          problems.push(
            `closed with ${connection.closeCode} after ${closing.kind}, expected ${expected}`,
          );
        }
      }
      if (connection.closeCode !== null)
        figures.count(figures.closes, String(connection.closeCode));
      if (connection.replies.length > plans.length) {
        problems.push(
          `${connection.replies.length} replies to ${plans.length} frames: ${show(connection.replies.slice(plans.length))}`,
        );
      }
      settle();
      if (connection.strangeFrames.length > 0) {
        problems.push(`frames outside the protocol: ${show(connection.strangeFrames.slice(0, 3))}`);
      }
    } finally {
      await connection.close(REPLY_TIMEOUT_MS);
    }
    problems.push(...checkAcks(userId, acks, connection));
    problems.push(...(await checkStored(userId)));
    problems.push(...(await checkReadPositions(readPositions)));
    if (problems.length > 0) {
      if (!firstFailures.has(streamSeed)) firstFailures.set(streamSeed, problems.join('\n'));
      throw new Error(problems.join('\n'));
    }
  }

  async function sendClosing(
    connection: FuzzConnection,
    closing: ClosingFrame,
    plans: ReplyPlan[],
    oracle: ReplyOracle,
  ): Promise<void> {
    figures.wireFrames += connection.sendClosing(closing);
    figures.framesSent += closing.kind === 'flood' ? closing.count : 1;
    figures.count(figures.families, `closing:${closing.kind}`);
    if (closing.kind !== 'flood') return;
    for (let n = 0; n < closing.count; n++) {
      plans.push(oracle.plan({ kind: 'text', family: 'valid', text: closing.text }));
    }
    connection.sendPing();
    plans.push({ accepts: ['pong'] });
    await connection.until(
      () => connection.replies.length >= plans.length || connection.closeCode !== null,
      REPLY_TIMEOUT_MS,
    );
  }

  /**
   * Acks name the message sent; a repeated clientMsgId gets the original back; change_acks name the
   * change asked; broadcasts carry the text sent (or an acknowledged edit's).
   */
  function checkAcks(
    userId: string,
    acks: { plan: ReplyPlan; reply: AckReply }[],
    connection: FuzzConnection,
  ): string[] {
    const problems: string[] = [];
    const idByClientMsgId = new Map<string, string>();
    for (const { plan, reply } of acks) {
      if (reply.type === 'change_ack') {
        problems.push(...recordChange(userId, plan.change, reply));
        continue;
      }
      figures.acks++;
      const sent = plan.message;
      if (!sent) {
        problems.push(`ack ${show(reply)} for a frame that is not a message`);
        continue;
      }
      if (reply.room !== sent.room || reply.clientMsgId !== sent.clientMsgId) {
        problems.push(`ack ${show(reply)} does not name the message sent ${show(sent)}`);
      }
      if (sent.clientMsgId !== null) {
        const key = `${sent.room}\u0000${sent.clientMsgId}`;
        const original = idByClientMsgId.get(key);
        if (original !== undefined && original !== reply.id) {
          problems.push(
            `clientMsgId ${show(sent.clientMsgId)} repeated in ${sent.room} was acknowledged as ${reply.id}, first as ${original}`,
          );
        }
        idByClientMsgId.set(key, original ?? reply.id);
      }
      if (!acknowledged.has(reply.id)) {
        acknowledged.set(reply.id, {
          ...sent,
          userId,
          seq: reply.seq,
          current: sent.text,
          deleted: false,
          texts: [sent.text],
        });
        acknowledgedRefs.push({ id: reply.id, room: sent.room });
      }
    }
    for (const message of connection.messages) {
      if (message.user.id !== userId) continue;
      const sent = acknowledged.get(message.id);
      if (!sent || sent.userId !== userId)
        problems.push(
          `message ${message.id} was broadcast but never acknowledged: ${show(message)}`,
        );
      // README: a message deleted before a gap is filled from PostgreSQL goes out with empty text.
      else if (!sent.texts.includes(message.text) && !(sent.deleted && message.text === '')) {
        problems.push(
          `message ${message.id} was broadcast as ${show(message.text)}, sent as ${show(sent.text)}`,
        );
      }
    }
    for (const edit of connection.edits) {
      const target = acknowledged.get(edit.id);
      if (target?.userId !== userId) continue;
      const change = changes.get(`${edit.room}\u0000${edit.seq}`);
      if (change?.action !== 'edit' || change.id !== edit.id || change.text !== edit.text) {
        problems.push(`message_edited ${show(edit)} was never acknowledged as such`);
      }
    }
    return problems;
  }

  /** A change_ack promises that this change is stored, under the seq it names. */
  function recordChange(
    userId: string,
    asked: SentChange | undefined,
    reply: Extract<AckReply, { type: 'change_ack' }>,
  ): string[] {
    figures.changes++;
    const target = acknowledged.get(reply.id);
    if (
      !asked ||
      reply.action !== asked.action ||
      reply.id !== asked.id ||
      reply.room !== asked.room ||
      target?.userId !== userId
    ) {
      return [`change_ack ${show(reply)} for ${show(asked)}, not a change of this user's message`];
    }
    const key = `${reply.room}\u0000${reply.seq}`;
    const first = changes.get(key);
    if (first && (first.action !== asked.action || first.id !== asked.id)) {
      return [`change_ack ${show(reply)} names the seq of another change ${show(first)}`];
    }
    if (!first) changes.set(key, { ...asked, userId });
    if (asked.action === 'delete') {
      target.deleted = true;
      target.current = '';
    } else if (asked.text !== undefined) {
      target.current = asked.text;
      target.texts.push(asked.text);
    }
    return [];
  }

  /** What PostgreSQL holds for this user is exactly what was acknowledged, byte for byte. */
  async function checkStored(userId: string): Promise<string[]> {
    const problems: string[] = [];
    const { rows } = await db.query<StoredRow>(
      `SELECT id::text AS id, room, seq::int AS seq, text, client_msg_id, kind, target_id::text AS target_id
       FROM messages WHERE user_id = $1`,
      [userId],
    );
    const messages = rows.filter((row) => row.kind === 'message');
    for (const row of messages) {
      const sent = acknowledged.get(row.id);
      if (!sent || sent.userId !== userId) {
        problems.push(`stored but never acknowledged: ${show(row)}`);
        continue;
      }
      // Its current state: the last acknowledged edit's text, or none once deleted.
      if (row.text !== sent.current) {
        problems.push(
          `message ${row.id} stored as ${show(row.text)}, acknowledged for ${show(sent.current)}`,
        );
      }
      if (
        row.room !== sent.room ||
        row.seq !== sent.seq ||
        row.client_msg_id !== sent.clientMsgId
      ) {
        problems.push(`message ${row.id} stored as ${show(row)}, acknowledged as ${show(sent)}`);
      }
    }
    const storedIds = new Set(messages.map((row) => row.id));
    for (const [id, sent] of acknowledged) {
      if (sent.userId === userId && !storedIds.has(id)) {
        problems.push(`acknowledged but not stored: ${id} ${show(sent)}`);
      }
    }
    const events = rows.filter((row) => row.kind !== 'message');
    for (const row of events) {
      const change = changes.get(`${row.room}\u0000${row.seq}`);
      if (
        change?.userId !== userId ||
        change.action !== row.kind ||
        change.id !== row.target_id ||
        row.text !== (change.text ?? '')
      ) {
        problems.push(`${row.kind} stored but never acknowledged as such: ${show(row)}`);
      }
    }
    const storedEvents = new Set(events.map((row) => `${row.room}\u0000${row.seq}`));
    for (const [key, change] of changes) {
      if (change.userId === userId && !storedEvents.has(key)) {
        problems.push(`${change.action} acknowledged but not stored: ${show(change)}`);
      }
    }
    return problems;
  }

  /**
   * README: a read position is clamped to the room's last seq. Seqs only grow, so the room's last
   * seq now bounds what it was when the read was answered.
   */
  async function checkReadPositions(reads: { room: string; seq: number }[]): Promise<string[]> {
    if (reads.length === 0) return [];
    const { rows } = await db.query<{ room: string; last: number }>(
      'SELECT room, max(seq)::int AS last FROM messages WHERE room = ANY($1) GROUP BY room',
      [[...new Set(reads.map((read) => read.room))]],
    );
    const last = new Map(rows.map((row) => [row.room, row.last]));
    return reads
      .filter((read) => read.seq > (last.get(read.room) ?? 0))
      .map(
        (read) =>
          `read position ${show(read)} past the room's last seq ${last.get(read.room) ?? 0}`,
      );
  }

  /** STREAMS properties at once, each on its own seed; returns each failure with its replay data. */
  async function runStreams(batchesPerStream: number, seedOffset: number): Promise<string[]> {
    const streamSeeds = Array.from({ length: STREAMS }, (_, n) => seed + seedOffset + n);
    const results = await Promise.allSettled(
      streamSeeds.map((streamSeed) =>
        fc.assert(
          fc.asyncProperty(frameBatch, (batch) => fuzzBatch(streamSeed, batch)),
          {
            seed: streamSeed,
            numRuns: batchesPerStream,
            interruptAfterTimeLimit: 120_000,
            includeErrorInReport: true,
          },
        ),
      ),
    );
    return results.flatMap((result, n) =>
      result.status === 'rejected'
        ? [
            `${(result.reason as Error).message}\nFirst failure seen, before shrinking:\n${firstFailures.get(streamSeeds[n])}`,
          ]
        : [],
    );
  }

  it('answers each frame once or closes as documented, stores exactly what it acknowledged, and stays up', async () => {
    const peakSampler = setInterval(() => {
      gateway.rssBytes().then(
        (rss) => (figures.rssPeak = Math.max(figures.rssPeak, rss)),
        () => undefined,
      );
    }, 250);
    const failures: string[] = [];
    try {
      failures.push(...(await runStreams(WARM_UP_BATCHES, 0)));
      figures.heapStart = await heapUsedAfterGc(inspectorPort);
      figures.rssStart = await gateway.rssBytes();
      failures.push(...(await runStreams(MEASURED_BATCHES, STREAMS)));

      const { rows } = await db.query<StoredRow & { user_id: string }>(
        `SELECT id::text AS id, user_id, room, seq::int AS seq, text, client_msg_id, kind,
           target_id::text AS target_id FROM messages`,
      );
      const messages = rows.filter((row) => row.kind === 'message');
      figures.stored = messages.length;
      figures.storedChanges = rows.length - messages.length;
      figures.acknowledged = acknowledged.size;
      const unacknowledged = [
        ...messages.filter((row) => !acknowledged.has(row.id)),
        ...rows.filter(
          (row) => row.kind !== 'message' && !changes.has(`${row.room}\u0000${row.seq}`),
        ),
      ];
      if (unacknowledged.length > 0) {
        failures.push(
          `${unacknowledged.length} stored messages were never acknowledged: ${show(unacknowledged.slice(0, 3))}`,
        );
      }

      // Every connection is closed by now: what they held must be released.
      figures.heapEnd = await heapUsedAfterGc(inspectorPort);
      if (figures.heapEnd > figures.heapStart + HEAP_MARGIN_BYTES) {
        failures.push(
          `heap in use after a full GC grew from ${figures.heapStart} to ${figures.heapEnd} bytes (margin ${HEAP_MARGIN_BYTES})`,
        );
      }
      const limit = figures.rssStart + RSS_MARGIN_BYTES;
      const deadline = Date.now() + RSS_SETTLE_MS;
      do {
        figures.rssEnd = await gateway.rssBytes();
        if (figures.rssEnd <= limit) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      } while (Date.now() < deadline);
      if (figures.rssEnd > limit) {
        failures.push(
          `RSS ${figures.rssEnd} bytes ${RSS_SETTLE_MS} ms after the run, over ${limit} (warm-up level + ${RSS_MARGIN_BYTES})`,
        );
      }

      const live = await fetch(`${gateway.httpUrl}/health/live`);
      if (live.status !== 200) failures.push(`/health/live answered ${live.status} after the run`);
    } finally {
      clearInterval(peakSampler);
      const logLines = gateway.logs().split('\n').filter(Boolean);
      figures.logLines = logLines.length;
      // Client mistakes are logged at warn or below, without stack traces (issue 7, defect 8).
      const loud = logLines.filter((line) => !isQuietLogLine(line));
      if (loud.length > 0) {
        failures.push(
          `${loud.length} gateway log lines at error level, with a stack, or not JSON; first: ${loud.slice(0, 2).join('\n')}`,
        );
      }
      if (exitedWith)
        failures.push(
          `the gateway exited (code ${exitedWith.code}):\n${gateway.logs().slice(-2000)}`,
        );
      figures.print();
    }
    // One readable report: each failure with its counterexample, and the seed and path to replay it.
    if (failures.length > 0) throw new Error(failures.join('\n\n'));
  });
});

interface StoredRow {
  id: string;
  room: string;
  seq: number;
  text: string;
  client_msg_id: string | null;
  kind: 'message' | 'edit' | 'delete';
  target_id: string | null;
}

type AckReply = Extract<ReplyFrame, { type: 'ack' | 'change_ack' }>;

/** An acknowledged message: what was sent, and what its acknowledged edits and delete made of it. */
interface AcknowledgedMessage extends SentMessage {
  userId: string;
  seq: number;
  /** The text it must have in PostgreSQL now ('' once deleted). */
  current: string;
  deleted: boolean;
  /** Every text it had: a late broadcast may carry any of them. */
  texts: string[];
}

function isQuietLogLine(line: string): boolean {
  // The inspector's own notices (heap-probe.ts), printed by Node, not by the gateway.
  if (/^(Debugger (listening|attached|ending)|For help, see)/.test(line)) return true;
  try {
    const entry = JSON.parse(line) as { level?: number };
    // A stack shows as a "stack" field or as frames ("\n    at …") inside a message.
    const hasStack = line.includes('"stack":') || line.includes('\\n    at ');
    return (entry.level ?? 0) < 50 && !hasStack;
  } catch {
    return false;
  }
}

function describeFrame(sent: readonly HostileFrame[], index: number): string {
  const frame = sent[index];
  if (!frame) return '(the closing flood or the final ping)';
  switch (frame.kind) {
    case 'text':
      return `${frame.family} text ${show(frame.text)}`;
    case 'fragmented':
      return `${frame.family} text in fragments ${show(frame.text)}`;
    case 'binary':
      return `binary ${frame.bytes.length} bytes`;
  }
}
