import type {
  ChatMessage,
  ClientFrame,
  JoinedFrame,
  MessageDeletedFrame,
  MessageEditedFrame,
  ServerFrame,
} from '@switchboard/protocol';
import {
  ConnectionState,
  DEFAULT_HEARTBEAT_MS,
  MAX_FRAMES_IN_FLIGHT,
  SwitchboardClient,
  SwitchboardClientOptions,
  SwitchboardError,
  WebSocketLike,
} from './switchboard-client';

const REPLY_TYPES = new Set<ServerFrame['type']>(['joined', 'left', 'ack', 'pong', 'error']);

/** A socket the test drives: frames it delivers in one call are handled back to back, as one read. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: ClientFrame[] = [];
  /** Replies delivered: `sent[replied]` is the oldest frame still unanswered. */
  replied = 0;
  /** The most frames that were ever unanswered at once. */
  mostUnanswered = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame);
    this.mostUnanswered = Math.max(this.mostUnanswered, this.sent.length - this.replied);
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  deliver(...frames: ServerFrame[]): void {
    for (const frame of frames) {
      if (REPLY_TYPES.has(frame.type)) this.replied++;
      this.onmessage?.({ data: JSON.stringify(frame) });
    }
  }

  /** The network drops the connection. */
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }

  /** The gateway closes the socket it upgraded only to refuse the handshake. */
  refuse(code: 4401 | 4403, reason: string): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const ROOM = 'lobby';
const BACKOFF = { initialDelayMs: 100, maxDelayMs: 1000 };

function chat(seq: number, room = ROOM): ChatMessage {
  return {
    id: String(seq),
    room,
    seq,
    user: { id: 'bob', name: 'Bob' },
    text: `m${seq}`,
    ts: seq,
    clientMsgId: null,
  };
}

const live = (seq: number): ServerFrame => ({ type: 'message', ...chat(seq) });

function joined(seqs: number[], more = false): ServerFrame {
  return {
    type: 'joined',
    room: ROOM,
    messages: seqs.map((seq) => chat(seq)),
    members: [],
    ...(more ? { more: true as const } : {}),
    lastReadSeq: 0,
    unread: 0,
  };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Runs due timers and lets every settled promise's continuation run. */
const settle = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

function setup(options: Partial<SwitchboardClientOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const client = new SwitchboardClient({
    url: 'ws://switchboard.test/ws',
    token: () => 'token',
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    reconnect: BACKOFF,
    ...options,
  });
  const received: number[] = [];
  client.on('message', (message) => received.push(message.seq));
  const socket = () => sockets.at(-1) as FakeSocket;
  const lastSent = () => socket().sent.at(-1);

  /** Opens the first connection: with no room to restore, the client waits for the pong of its ping. */
  async function connect(): Promise<void> {
    const connected = client.connect();
    await settle();
    socket().open();
    socket().deliver({ type: 'pong', ts: 0 });
    await connected;
    // The tests count frames from here.
    socket().sent.splice(0);
    socket().replied = 0;
  }

  /** Joins ROOM with a reply whose history ends at `lastSeq`, so the room is live from there. */
  async function joinAt(lastSeq: number): Promise<void> {
    const join = client.join(ROOM);
    socket().deliver(joined([lastSeq]));
    await join;
    await settle();
  }

  /** Drops the connection and opens the next one; the client's restoring join is the last frame sent. */
  async function reconnect(): Promise<void> {
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    socket().open();
  }

  return { client, sockets, socket, received, lastSent, connect, joinAt, reconnect };
}

// Backoff delays are drawn at random (full jitter): fixed here, so a test never draws a 0 ms retry
// that fires inside a `settle()` meant to come before it (1 run in 100 did).
beforeEach(() => {
  jest.useFakeTimers();
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('SwitchboardClient: each message of a room once, in seq order', () => {
  it('applies a resume reply before the live message that followed it in the same read', async () => {
    const { received, lastSent, socket, connect, joinAt, reconnect } = setup();
    await connect();
    await joinAt(100);
    await reconnect();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 100 });

    socket().deliver(joined([101, 102]), live(103));
    await settle();
    socket().deliver(live(104));
    expect(received).toEqual([101, 102, 103, 104]);
  });

  it('holds a live message that arrives while the resume is pending', async () => {
    const { received, socket, connect, joinAt, reconnect } = setup();
    await connect();
    await joinAt(100);
    await reconnect();

    socket().deliver(live(103));
    await settle();
    expect(received).toEqual([]);
    socket().deliver(joined([101, 102]));
    await settle();
    expect(received).toEqual([101, 102, 103]);
  });

  it('follows more: true page by page, holding live messages until the last page', async () => {
    const { received, lastSent, socket, connect, joinAt, reconnect } = setup();
    await connect();
    await joinAt(100);
    await reconnect();

    socket().deliver(joined(range(101, 600), true));
    await settle();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 600 });
    socket().deliver(live(603), joined([601, 602]), live(604));
    await settle();
    expect(received).toEqual(range(101, 604));
  });

  it("gives a first join's history to the caller, then the live messages after it, once each", async () => {
    const { client, socket, connect } = setup();
    await connect();
    const seen: (string | number)[] = [];
    client.on('message', (message) => seen.push(message.seq));

    const join = client.join(ROOM).then(({ messages }) => {
      seen.push(`history ${messages[0].seq}-${messages.at(-1)?.seq}`);
    });
    socket().deliver(joined(range(53, 102)), live(102), live(103));
    await join;
    await settle();
    socket().deliver(live(104));
    expect(seen).toEqual(['history 53-102', 103, 104]);
  });

  it('fills a gap in live messages by joining again with since, never letting later ones overtake', async () => {
    const { received, lastSent, socket, connect, joinAt } = setup();
    await connect();
    await joinAt(5);

    socket().deliver(live(6), live(9));
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 6 });
    socket().deliver(live(10));
    await settle();
    expect(received).toEqual([6]);

    socket().deliver(joined([7, 8, 9, 10]), live(11));
    await settle();
    expect(received).toEqual(range(6, 11));
  });

  it('skips a gap that a fresh join cannot fill (those seqs do not exist), instead of asking for ever', async () => {
    const { received, socket, connect, joinAt } = setup();
    await connect();
    await joinAt(5);

    socket().deliver(live(9));
    socket().deliver(joined([]));
    await settle();
    expect(received).toEqual([9]);
    expect(socket().sent.filter((frame) => frame.type === 'join')).toHaveLength(2);
  });

  it('ignores duplicates: live after recovered, twice while held, and after delivery', async () => {
    const { received, socket, connect, joinAt, reconnect } = setup();
    await connect();
    await joinAt(100);
    socket().deliver(live(101), live(101), live(100));
    await reconnect();

    socket().deliver(live(103), live(102), live(103));
    socket().deliver(joined([102, 103]), live(103), live(104));
    await settle();
    socket().deliver(live(104), live(105));
    expect(received).toEqual([101, 102, 103, 104, 105]);
  });
});

describe('SwitchboardClient: watch joins', () => {
  it('asks for a watch join, and asks the same on every join that restores the room', async () => {
    const { client, socket, lastSent, connect, reconnect } = setup();
    await connect();
    const join = client.join(ROOM, undefined, { watch: true });
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, watch: true });
    socket().deliver(joined([4]));
    await expect(join).resolves.toMatchObject({ members: [] });
    await settle();

    socket().deliver(live(5), live(7));
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 5, watch: true });
    socket().deliver(joined([6, 7]));
    await settle();
    await reconnect();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 7, watch: true });
  });

  it('joins with presence again when the latest join did not ask to watch', async () => {
    const { client, socket, lastSent, connect, reconnect } = setup();
    await connect();
    const watching = client.join(ROOM, undefined, { watch: true });
    socket().deliver(joined([4]));
    await watching;
    const joining = client.join(ROOM, 4);
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 4 });
    socket().deliver(joined([]));
    await joining;
    await settle();
    await reconnect();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 4 });
  });
});

describe('SwitchboardClient: sends the server could not store are retried', () => {
  async function joinedClient() {
    const harness = setup();
    await harness.connect();
    await harness.joinAt(1);
    return harness;
  }

  it('retries internal_error with backoff and the same clientMsgId, and resolves on the later ack', async () => {
    const { client, socket, lastSent } = await joinedClient();
    const send = client.send(ROOM, 'hello');
    const first = lastSent();
    expect(first).toMatchObject({ type: 'message', room: ROOM, text: 'hello' });
    const clientMsgId = (first as { clientMsgId: string }).clientMsgId;

    socket().deliver({ type: 'error', code: 'internal_error', message: 'database down' });
    await settle();
    expect(socket().sent).toHaveLength(2);
    await settle(BACKOFF.initialDelayMs);
    expect(socket().sent).toHaveLength(3);
    expect(lastSent()).toEqual(first);

    socket().deliver({ type: 'error', code: 'internal_error', message: 'still down' });
    await settle(2 * BACKOFF.initialDelayMs);
    expect(socket().sent).toHaveLength(4);
    expect(lastSent()).toEqual(first);

    const ack = { type: 'ack', clientMsgId, id: '7', room: ROOM, seq: 2, ts: 1 } as const;
    socket().deliver(ack);
    await expect(send).resolves.toEqual(ack);
  });

  it('waits retryAfterMs after rate_limited, then sends the same clientMsgId again', async () => {
    const { client, socket, lastSent } = await joinedClient();
    const send = client.send(ROOM, 'hello');
    const first = lastSent();
    socket().deliver({
      type: 'error',
      code: 'rate_limited',
      message: 'slow down',
      retryAfterMs: 700,
    });
    await settle(699);
    expect(socket().sent).toHaveLength(2);
    await settle(1);
    expect(socket().sent).toHaveLength(3);
    expect(lastSent()).toEqual(first);
    const { clientMsgId } = first as { clientMsgId: string };
    socket().deliver({ type: 'ack', clientMsgId, id: '7', room: ROOM, seq: 2, ts: 1 });
    await expect(send).resolves.toMatchObject({ clientMsgId, seq: 2 });
  });

  it('keeps the order of a room: sends made while one waits go out after it', async () => {
    const { client, socket } = await joinedClient();
    const sends = [client.send(ROOM, 'a')];
    socket().deliver({ type: 'error', code: 'internal_error', message: 'database down' });
    await settle();
    sends.push(client.send(ROOM, 'b'), client.send(ROOM, 'c'));
    expect(socket().sent.filter((frame) => frame.type === 'message')).toHaveLength(1);
    await settle(BACKOFF.initialDelayMs);
    const retried = socket().sent.slice(2);
    expect(retried.map((frame) => (frame.type === 'message' ? frame.text : frame.type))).toEqual([
      'a',
      'b',
      'c',
    ]);
    for (const [index, frame] of retried.entries()) {
      const { clientMsgId } = frame as { clientMsgId: string };
      socket().deliver({
        type: 'ack',
        clientMsgId,
        id: String(index),
        room: ROOM,
        seq: index + 2,
        ts: 1,
      });
    }
    expect((await Promise.all(sends)).map((ack) => ack.seq)).toEqual([2, 3, 4]);
  });

  it('rejects a final refusal with SwitchboardError and does not send it again', async () => {
    const { client, socket } = await joinedClient();
    const send = client.send(ROOM, 'too long');
    socket().deliver({ type: 'error', code: 'too_long', message: 'over 4,000 characters' });
    await expect(send).rejects.toBeInstanceOf(SwitchboardError);
    await expect(send).rejects.toMatchObject({ code: 'too_long' });
    await settle(BACKOFF.maxDelayMs);
    expect(socket().sent.filter((frame) => frame.type === 'message')).toHaveLength(1);
  });

  it('does not retry while disconnected: the reconnect sends the waiting message once', async () => {
    const { client, socket, sockets } = await joinedClient();
    const send = client.send(ROOM, 'hello');
    socket().deliver({ type: 'error', code: 'internal_error', message: 'database down' });
    await settle();
    const before = socket();
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    expect(before.sent.filter((frame) => frame.type === 'message')).toHaveLength(1);
    expect(sockets).toHaveLength(2);
    expect(socket().sent).toEqual([]);

    socket().open();
    socket().deliver(joined([]));
    await settle();
    const messages = socket().sent.filter((frame) => frame.type === 'message');
    expect(messages).toHaveLength(1);
    const { clientMsgId } = messages[0] as { clientMsgId: string };
    socket().deliver({ type: 'ack', clientMsgId, id: '7', room: ROOM, seq: 2, ts: 1 });
    await expect(send).resolves.toMatchObject({ seq: 2 });
  });

  it('starts over when the server fails a restoring join, and sends once it is restored', async () => {
    const { client, socket, sockets, reconnect } = await joinedClient();
    await reconnect();
    const send = client.send(ROOM, 'hello');
    socket().deliver({ type: 'error', code: 'internal_error', message: 'database down' });
    await settle(BACKOFF.maxDelayMs);
    expect(sockets).toHaveLength(3);
    expect(sockets[1].readyState).toBe(3);
    expect(sockets[1].sent.filter((frame) => frame.type === 'message')).toEqual([]);

    socket().open();
    expect(socket().sent).toEqual([{ type: 'join', room: ROOM, since: 1 }]);
    socket().deliver(joined([]));
    await settle();
    expect(client.connectionState).toBe('open');
    const { clientMsgId } = socket().sent[1] as { clientMsgId: string };
    socket().deliver({ type: 'ack', clientMsgId, id: '7', room: ROOM, seq: 2, ts: 1 });
    await expect(send).resolves.toMatchObject({ seq: 2 });
  });
});

describe('SwitchboardClient: at most MAX_FRAMES_IN_FLIGHT frames await replies', () => {
  type MessageFrame = Extract<ClientFrame, { type: 'message' }>;
  const messagesSent = (socket: FakeSocket) =>
    socket.sent.filter((frame): frame is MessageFrame => frame.type === 'message');
  const oldestUnanswered = (socket: FakeSocket) => socket.sent.at(socket.replied);

  /** Acknowledges the oldest unanswered frame, which must be a message. */
  function ackOldest(socket: FakeSocket, seq: number): void {
    const frame = oldestUnanswered(socket);
    if (frame?.type !== 'message') throw new Error(`expected a message, got ${frame?.type}`);
    const { clientMsgId = null, room } = frame;
    socket.deliver({ type: 'ack', clientMsgId, id: String(seq), room, seq, ts: 1 });
  }

  /** Acknowledges messages, oldest first, while the oldest unanswered frame is one; returns the next seq. */
  function ackMessages(socket: FakeSocket, firstSeq: number): number {
    let seq = firstSeq;
    while (oldestUnanswered(socket)?.type === 'message') ackOldest(socket, seq++);
    return seq;
  }

  const texts = (count: number) => Array.from({ length: count }, (_, n) => `m${n}`);

  it('keeps 1,000 sends at most MAX_FRAMES_IN_FLIGHT unanswered and sends the next as each ack arrives', async () => {
    const { client, socket, connect, joinAt } = setup();
    await connect();
    await joinAt(1);
    const sends = texts(1000).map((text) => client.send(ROOM, text));
    expect(messagesSent(socket())).toHaveLength(MAX_FRAMES_IN_FLIGHT);

    ackMessages(socket(), 2);
    const acks = await Promise.all(sends);
    expect(acks.map((ack) => ack.seq)).toEqual(range(2, 1001));
    expect(socket().mostUnanswered).toBe(MAX_FRAMES_IN_FLIGHT);
    const sent = messagesSent(socket());
    expect(sent.map((frame) => frame.text)).toEqual(texts(1000));
    expect(acks.map((ack) => ack.clientMsgId)).toEqual(sent.map((frame) => frame.clientMsgId));
  });

  it('after a reconnect, rejoins before anything else, then sends the outbox again a window at a time', async () => {
    const { client, socket, connect, joinAt, reconnect } = setup();
    await connect();
    await joinAt(1);
    const sends = texts(200).map((text) => client.send(ROOM, text));
    const onTheWire = messagesSent(socket());
    // Waiting for the window when the connection goes: rejected like a frame on the wire.
    const ping = expect(client.ping()).rejects.toMatchObject({ code: 'connection_closed' });
    await reconnect();
    await ping;
    expect(socket().sent).toEqual([{ type: 'join', room: ROOM, since: 1 }]);

    socket().deliver(joined([]));
    await settle();
    expect(messagesSent(socket())).toEqual(onTheWire);
    ackMessages(socket(), 2);
    expect((await Promise.all(sends)).map((ack) => ack.seq)).toEqual(range(2, 201));
    expect(socket().mostUnanswered).toBe(MAX_FRAMES_IN_FLIGHT);
  });

  it('sends the join that fills a gap at the next free slot, ahead of the queued sends', async () => {
    const { client, socket, received, lastSent, connect, joinAt } = setup();
    await connect();
    await joinAt(1);
    const sends = texts(200).map((text) => client.send(ROOM, text));
    socket().deliver(live(3));
    expect(lastSent()?.type).toBe('message');

    ackOldest(socket(), 100);
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 1 });
    const next = ackMessages(socket(), 101);
    socket().deliver(joined([2, 3]));
    await settle();
    expect(received).toEqual([2, 3]);
    ackMessages(socket(), next);
    expect(await Promise.all(sends)).toHaveLength(200);
    expect(socket().mostUnanswered).toBe(MAX_FRAMES_IN_FLIGHT);
  });

  it("keeps the application's frames in call order: a leave goes out after the sends made before it", async () => {
    const { client, socket, lastSent, connect, joinAt } = setup();
    await connect();
    await joinAt(1);
    const sends = texts(100).map((text) => client.send(ROOM, text));
    const leave = client.leave(ROOM);
    ackMessages(socket(), 2);
    expect(socket().sent).toHaveLength(1 + 100 + 1);
    expect(lastSent()).toEqual({ type: 'leave', room: ROOM });
    socket().deliver({ type: 'left', room: ROOM });
    await leave;
    expect(await Promise.all(sends)).toHaveLength(100);
  });

  it('after a refusal in a full window, sends no more of that room until it has waited, then resumes in order', async () => {
    const { client, socket, connect, joinAt } = setup();
    await connect();
    await joinAt(1);
    const sends = texts(100).map((text) => client.send(ROOM, text));
    for (let n = 0; n < MAX_FRAMES_IN_FLIGHT; n++) {
      socket().deliver({ type: 'error', code: 'rate_limited', message: 'slow', retryAfterMs: 500 });
    }
    expect(messagesSent(socket())).toHaveLength(MAX_FRAMES_IN_FLIGHT);

    await settle(500);
    const retried = messagesSent(socket()).slice(MAX_FRAMES_IN_FLIGHT);
    expect(retried.map((frame) => frame.text)).toEqual(texts(MAX_FRAMES_IN_FLIGHT));
    ackMessages(socket(), 2);
    const acks = await Promise.all(sends);
    expect(acks.map((ack) => ack.seq)).toEqual(range(2, 101));
    expect(socket().mostUnanswered).toBe(MAX_FRAMES_IN_FLIGHT);
  });
});

describe('SwitchboardClient: direct rooms and losing rooms', () => {
  const DIRECT = 'dm:pair';

  async function joinedClient() {
    const harness = setup();
    await harness.connect();
    await harness.joinAt(1);
    const removed: string[] = [];
    harness.client.on('removed', (room) => removed.push(room));
    return { ...harness, removed };
  }

  it('joins a direct room by user and then treats it as any joined room, restored with since', async () => {
    const { client, socket, received, lastSent, reconnect } = await joinedClient();
    const joining = client.joinDirect('ann');
    expect(lastSent()).toEqual({ type: 'join_direct', user: 'ann' });
    socket().deliver({
      type: 'joined',
      room: DIRECT,
      messages: [chat(1, DIRECT), chat(2, DIRECT)],
      members: [],
      direct: { user: { id: 'ann', name: 'Ann' } },
      lastReadSeq: 0,
      unread: 0,
    });
    await expect(joining).resolves.toEqual({
      room: DIRECT,
      partner: { id: 'ann', name: 'Ann' },
      messages: [chat(1, DIRECT), chat(2, DIRECT)],
      members: [],
      lastReadSeq: 0,
      unread: 0,
    });
    socket().deliver({ type: 'message', ...chat(3, DIRECT) });
    await settle();
    expect(received).toEqual([3]);

    await reconnect();
    expect(socket().sent).toEqual(
      expect.arrayContaining([{ type: 'join', room: DIRECT, since: 3 }]),
    );
  });

  it('sends forget with leave only when asked', async () => {
    const { client, socket, lastSent } = await joinedClient();
    const leaving = client.leave(ROOM, { forget: true });
    expect(lastSent()).toEqual({ type: 'leave', room: ROOM, forget: true });
    socket().deliver({ type: 'left', room: ROOM });
    await leaving;
    void client.leave('other');
    expect(lastSent()).toEqual({ type: 'leave', room: 'other' });
  });

  it('tells the application a room was removed, without taking a reply, and drops the room', async () => {
    const { client, socket, received, removed, reconnect } = await joinedClient();
    const ping = client.ping();
    socket().deliver({ type: 'left', room: ROOM, reason: 'removed' });
    expect(removed).toEqual([ROOM]);
    socket().deliver({ type: 'pong', ts: 42 });
    await expect(ping).resolves.toBe(42);
    socket().deliver(live(2));
    await settle();
    expect(received).toEqual([]);
    await reconnect();
    // No room to restore: only the ping that proves the gateway accepted the connection.
    expect(socket().sent).toEqual([{ type: 'ping' }]);
    socket().deliver({ type: 'pong', ts: 43 });
    await settle();
    expect(client.connectionState).toBe('open');
  });

  it('rejects a send refused as forbidden for good, without sending it again', async () => {
    const { client, socket } = await joinedClient();
    const send = client.send(ROOM, 'hello');
    socket().deliver({ type: 'error', code: 'forbidden', message: 'you may not use room lobby' });
    await expect(send).rejects.toMatchObject({ name: 'SwitchboardError', code: 'forbidden' });
    await settle(BACKOFF.maxDelayMs);
    expect(socket().sent.filter((frame) => frame.type === 'message')).toHaveLength(1);
  });

  it('drops a room refused while disconnected and restores the others without starting over', async () => {
    const { client, socket, sockets, removed, reconnect } = await joinedClient();
    const other = client.join('other');
    socket().deliver({ ...joined([5]), room: 'other' } as ServerFrame);
    await other;
    await settle();

    await reconnect();
    const restoring = socket().sent.map((frame) => (frame as { room: string }).room);
    expect(restoring.sort()).toEqual([ROOM, 'other']);
    // Replies come in the order the joins went out.
    for (const room of socket().sent.map((frame) => (frame as { room: string }).room)) {
      socket().deliver(
        room === ROOM
          ? { type: 'error', code: 'forbidden', message: 'you may not use room lobby' }
          : ({ ...joined([]), room: 'other' } as ServerFrame),
      );
    }
    await settle(BACKOFF.maxDelayMs);
    expect(removed).toEqual([ROOM]);
    expect(client.connectionState).toBe('open');
    expect(sockets).toHaveLength(2);
  });
});

describe('SwitchboardClient: read state and the inbox', () => {
  it('resolves markRead with the position of the reply, and tells receipts apart from it, whoever they are from', async () => {
    const { client, socket, lastSent, connect, joinAt } = setup();
    await connect();
    await joinAt(5);
    const reads: [string, string, number][] = [];
    client.on('read', (room, user, seq) => reads.push([room, user.id, seq]));

    const marking = client.markRead(ROOM, 9);
    expect(lastSent()).toEqual({ type: 'read', room: ROOM, seq: 9 });
    const ping = client.ping();
    // A receipt arriving before the reply is an event, not the answer to either request.
    socket().deliver(
      { type: 'read', room: ROOM, user: { id: 'me', name: 'Me' }, seq: 5 },
      { type: 'read', room: ROOM, seq: 5 },
      { type: 'read', room: ROOM, user: { id: 'bob', name: 'Bob' }, seq: 3 },
      { type: 'pong', ts: 42 },
    );
    await expect(marking).resolves.toBe(5);
    await expect(ping).resolves.toBe(42);
    expect(reads).toEqual([
      [ROOM, 'me', 5],
      [ROOM, 'bob', 3],
    ]);
  });

  it('resolves inbox with the rooms of the reply, and rejects markRead refused by the server', async () => {
    const { client, socket, lastSent, connect } = setup();
    await connect();
    const inbox = client.inbox();
    expect(lastSent()).toEqual({ type: 'inbox' });
    const rooms = [
      { room: ROOM, access: 'open' as const, unread: 2, lastReadSeq: 1, lastMessage: chat(3) },
    ];
    socket().deliver({ type: 'inbox', rooms });
    await expect(inbox).resolves.toEqual(rooms);

    const refused = client.markRead('secret', 1);
    socket().deliver({ type: 'error', code: 'forbidden', message: 'you may not use room secret' });
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('returns the read state of a joined room with its history', async () => {
    const { client, socket, connect } = setup();
    await connect();
    const join = client.join(ROOM);
    socket().deliver({
      ...(joined([1, 2, 3]) as object),
      lastReadSeq: 2,
      unread: 1,
    } as ServerFrame);
    await expect(join).resolves.toMatchObject({ lastReadSeq: 2, unread: 1 });
  });
});

describe('SwitchboardClient: edits and deletes', () => {
  const edited = (seq: number, id: number): ServerFrame => ({
    type: 'message_edited',
    room: ROOM,
    id: String(id),
    seq,
    text: `edit ${seq}`,
    editedAt: seq,
  });
  const deleted = (seq: number, id: number): ServerFrame => ({
    type: 'message_deleted',
    room: ROOM,
    id: String(id),
    seq,
  });

  function watch(client: SwitchboardClient): string[] {
    const seen: string[] = [];
    client.on('message', (message) => seen.push(`${message.seq} message`));
    client.on('messageEdited', (event) => seen.push(`${event.seq} edited ${event.id}`));
    client.on('messageDeleted', (event) => seen.push(`${event.seq} deleted ${event.id}`));
    return seen;
  }

  it('delivers live edits and deletes in seq order with messages, once each', async () => {
    const { client, socket, connect, joinAt } = setup();
    await connect();
    await joinAt(5);
    const seen = watch(client);
    socket().deliver(live(6), edited(7, 6), deleted(8, 5), edited(7, 6), live(9));
    expect(seen).toEqual(['6 message', '7 edited 6', '8 deleted 5', '9 message']);
  });

  it('counts an event in gap detection: a missing seq before it is fetched with since', async () => {
    const { client, socket, lastSent, connect, joinAt } = setup();
    await connect();
    await joinAt(5);
    const seen = watch(client);
    socket().deliver(edited(7, 5));
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 5 });
    expect(seen).toEqual([]);
    socket().deliver({
      ...(joined([6]) as JoinedFrame),
      events: [edited(7, 5) as MessageEditedFrame],
    });
    await settle();
    expect(seen).toEqual(['6 message', '7 edited 5']);
    // The edit moved lastSeq: the next seq after it is no gap.
    socket().deliver(deleted(8, 6));
    expect(seen).toEqual(['6 message', '7 edited 5', '8 deleted 6']);
  });

  it('recovers events after a reconnect merged with messages by seq; a message deleted meanwhile only as its delete', async () => {
    const { client, socket, lastSent, connect, joinAt, reconnect } = setup();
    await connect();
    await joinAt(5);
    const seen = watch(client);
    await reconnect();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 5 });
    socket().deliver({
      ...(joined([7]) as JoinedFrame),
      messages: [
        {
          id: '6',
          room: ROOM,
          seq: 6,
          user: chat(6).user,
          ts: 6,
          clientMsgId: null,
          deleted: true,
        },
        chat(7),
      ],
      events: [edited(8, 5) as MessageEditedFrame, deleted(9, 6) as MessageDeletedFrame],
    });
    await settle();
    expect(seen).toEqual(['7 message', '8 edited 5', '9 deleted 6']);
    await reconnect();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 9 });
  });

  it('sends edit and delete and resolves with change_ack, without retrying a refusal', async () => {
    const { client, socket, connect, joinAt } = setup();
    await connect();
    await joinAt(5);
    const edit = client.edit(ROOM, '5', 'fixed');
    expect(socket().sent.at(-1)).toEqual({ type: 'edit', room: ROOM, id: '5', text: 'fixed' });
    socket().deliver({ type: 'change_ack', action: 'edit', room: ROOM, id: '5', seq: 6 });
    await expect(edit).resolves.toEqual({
      type: 'change_ack',
      action: 'edit',
      room: ROOM,
      id: '5',
      seq: 6,
    });

    const removal = client.delete(ROOM, '5');
    expect(socket().sent.at(-1)).toEqual({ type: 'delete', room: ROOM, id: '5' });
    const sent = socket().sent.length;
    socket().deliver({
      type: 'error',
      code: 'rate_limited',
      message: 'slow down',
      retryAfterMs: 10,
    });
    await expect(removal).rejects.toMatchObject({ code: 'rate_limited' });
    await settle(100);
    expect(socket().sent).toHaveLength(sent);
  });
});

describe('SwitchboardClient: refused handshakes', () => {
  /** A client whose `token()` counts its calls; its states and errors recorded. */
  function watched() {
    let tokens = 0;
    const harness = setup({ token: () => `token-${++tokens}` });
    const states: ConnectionState[] = [];
    const errors: SwitchboardError[] = [];
    harness.client.on('state', (state) => states.push(state));
    harness.client.on('error', (error) => errors.push(error));
    return { ...harness, states, errors, tokens: () => tokens };
  }

  it('tells the application of a 4401, calls token() again at once and connects with the new token', async () => {
    const { client, sockets, socket, states, errors, tokens } = watched();
    const connected = client.connect();
    await settle();
    socket().open();
    socket().refuse(4401, 'invalid or expired token');
    await settle();

    expect(errors).toEqual([expect.objectContaining({ code: 'unauthorized', closeCode: 4401 })]);
    expect(errors[0].message).toContain('invalid or expired token');
    expect(tokens()).toBe(2);
    expect(sockets).toHaveLength(2);
    socket().open();
    socket().deliver({ type: 'pong', ts: 1 });
    await connected;
    expect(states).toEqual(['connecting', 'open']);
  });

  it.each([
    [4401, 'unauthorized'],
    [4403, 'forbidden'],
  ] as const)(
    'refused with %i twice in a row: connect() rejects with it and reconnecting stops',
    async (code, errorCode) => {
      const { client, sockets, socket, states, errors, tokens } = watched();
      const connected = client.connect();
      const sent = client.send(ROOM, 'never sent');
      await settle();
      socket().open();
      socket().refuse(code, 'refused');
      await settle();
      socket().open();
      socket().refuse(code, 'refused');

      await expect(connected).rejects.toMatchObject({ code: errorCode, closeCode: code });
      await expect(sent).rejects.toMatchObject({ code: errorCode });
      expect(errors.map((error) => error.code)).toEqual([errorCode, errorCode]);
      expect(states).toEqual(['connecting', 'closed']);
      expect(client.connectionState).toBe('closed');
      await settle(10 * BACKOFF.maxDelayMs);
      expect(sockets).toHaveLength(2);
      expect(tokens()).toBe(2);
    },
  );

  it('is not open before the gateway answers: a socket refused right after opening never reports open', async () => {
    const { client, socket, states } = watched();
    const connected = client.connect();
    await settle();
    socket().open();
    await settle();
    expect(socket().sent).toEqual([{ type: 'ping' }]);
    expect(states).toEqual(['connecting']);
    socket().refuse(4401, 'missing token');
    await settle();
    socket().open();
    socket().refuse(4401, 'missing token');
    await expect(connected).rejects.toMatchObject({ code: 'unauthorized' });
    expect(states).toEqual(['connecting', 'closed']);
  });

  it('keeps reconnecting with backoff after other failures, and counts refusals only in a row', async () => {
    const { client, sockets, socket, states, errors } = watched();
    const connected = client.connect();
    await settle();
    socket().drop(); // never opened
    await settle(BACKOFF.maxDelayMs);
    socket().open();
    socket().refuse(4401, 'expired');
    await settle();
    socket().open();
    socket().deliver({ type: 'pong', ts: 1 });
    await connected;
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    // A refusal after an accepted connection is a first one again.
    socket().open();
    socket().refuse(4401, 'expired');
    await settle();
    socket().open();
    socket().deliver({ type: 'pong', ts: 2 });
    await settle();

    expect(sockets).toHaveLength(5);
    expect(errors).toHaveLength(2);
    expect(states).toEqual(['connecting', 'reconnecting', 'open', 'reconnecting', 'open']);
  });
});

describe('SwitchboardClient: heartbeat', () => {
  it('pings after heartbeatMs without traffic and stays connected while pongs come', async () => {
    const { client, sockets, socket, connect } = setup();
    await connect();
    await settle(DEFAULT_HEARTBEAT_MS - 1);
    expect(socket().sent).toEqual([]);
    await settle(1);
    expect(socket().sent).toEqual([{ type: 'ping' }]);
    socket().deliver({ type: 'pong', ts: 1 });
    await settle(DEFAULT_HEARTBEAT_MS);
    expect(socket().sent).toEqual([{ type: 'ping' }, { type: 'ping' }]);
    socket().deliver({ type: 'pong', ts: 2 });
    await settle(DEFAULT_HEARTBEAT_MS / 2);
    expect(sockets).toHaveLength(1);
    expect(client.connectionState).toBe('open');
  });

  it('does not ping while messages arrive', async () => {
    const { socket, connect, joinAt, received } = setup({ heartbeatMs: 1_000 });
    await connect();
    await joinAt(0);
    const sent = socket().sent.length;
    for (let seq = 1; seq <= 10; seq++) {
      await settle(900);
      socket().deliver(live(seq));
    }
    expect(socket().sent).toHaveLength(sent);
    expect(received).toEqual(range(1, 10));
  });

  it('takes a connection silent for 2 x heartbeatMs for dead: closes it, reconnects and resumes rooms', async () => {
    const heartbeatMs = 1_000;
    const { client, sockets, socket, connect, joinAt, lastSent } = setup({ heartbeatMs });
    const states: ConnectionState[] = [];
    client.on('state', (state) => states.push(state));
    await connect();
    await joinAt(7);
    const dead = socket();
    await settle(heartbeatMs);
    expect(lastSent()).toEqual({ type: 'ping' });
    await settle(heartbeatMs - 1);
    expect(dead.readyState).toBe(1);
    await settle(1);

    expect(dead.readyState).toBe(3);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
    await settle(BACKOFF.maxDelayMs);
    expect(sockets).toHaveLength(2);
    socket().open();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 7 });
  });

  it('never pings with heartbeatMs 0', async () => {
    const { sockets, socket, connect } = setup({ heartbeatMs: 0 });
    await connect();
    await settle(10 * DEFAULT_HEARTBEAT_MS);
    expect(socket().sent).toEqual([]);
    expect(sockets).toHaveLength(1);
  });
});

describe('SwitchboardClient: long-polling fallback', () => {
  interface PendingFetch {
    url: string;
    init: RequestInit;
    respond: (status: number, body: unknown) => void;
  }

  /** `fetch` replaced by requests the test answers. */
  function fakeFetch(): PendingFetch[] {
    const requests: PendingFetch[] = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(
      (url, init = {}) =>
        new Promise<Response>((resolve) =>
          requests.push({
            url: url as string,
            init,
            respond: (status, body) =>
              resolve({
                ok: status < 400,
                status,
                json: () => Promise.resolve(body),
              } as Response),
          }),
        ),
    );
    return requests;
  }

  const page = (seqs: number[]) => ({ messages: seqs.map((seq) => chat(seq)), hasMore: false });

  it('polls after two failed opens from lastSeq, then moves back to the socket with since, each message once', async () => {
    const requests = fakeFetch();
    const harness = setup({ historyUrl: 'http://history.test/' });
    const { client, socket, received, connect, joinAt, lastSent } = harness;
    const transports: string[] = [];
    client.on('transport', (transport) => transports.push(transport));
    await connect();
    await joinAt(5);
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    socket().drop(); // never opened
    expect(client.transport).toBe('websocket');
    await settle(BACKOFF.maxDelayMs);
    socket().drop(); // never opened, twice in a row
    await settle();

    expect(client.transport).toBe('polling');
    expect(client.connectionState).toBe('open');
    expect(requests.map((request) => request.url)).toEqual([
      'http://history.test/rooms/lobby/messages?after=5&wait=25',
    ]);
    expect(requests[0].init.headers).toMatchObject({ Authorization: 'Bearer token' });
    requests[0].respond(200, page([6, 7]));
    await settle();
    expect(received).toEqual([6, 7]);
    expect(requests.at(-1)?.url).toBe('http://history.test/rooms/lobby/messages?after=7&wait=25');

    await settle(BACKOFF.maxDelayMs);
    socket().open();
    expect(lastSent()).toEqual({ type: 'join', room: ROOM, since: 7 });
    // The poll held meanwhile answers with what the rejoin brings too: each once.
    requests.at(-1)?.respond(200, page([8]));
    await settle();
    socket().deliver(joined([8, 9]));
    await settle();
    expect(received).toEqual([6, 7, 8, 9]);
    expect(transports).toEqual(['polling', 'websocket']);
    expect(requests.at(-1)?.init.signal?.aborted).toBe(true);
  });

  it('sends over POST with the clientMsgId while polling, retrying a server failure with the same one', async () => {
    const requests = fakeFetch();
    const { client, socket, connect } = setup({ historyUrl: 'http://history.test' });
    await connect();
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    socket().drop();
    await settle();
    expect(client.transport).toBe('polling');

    const sent = client.send(ROOM, 'over http');
    await settle();
    const first = requests[0];
    expect(first.url).toBe('http://history.test/rooms/lobby/messages');
    expect(first.init.method).toBe('POST');
    const body = JSON.parse(first.init.body as string) as { text: string; clientMsgId: string };
    expect(body.text).toBe('over http');
    first.respond(500, { code: 'internal_error', message: 'down' });
    await settle(BACKOFF.maxDelayMs);
    expect(JSON.parse(requests[1].init.body as string)).toEqual(body);
    requests[1].respond(201, { ...chat(3), clientMsgId: body.clientMsgId });
    await expect(sent).resolves.toMatchObject({
      type: 'ack',
      seq: 3,
      clientMsgId: body.clientMsgId,
    });
  });

  it('asks token() again once when a poll is refused with 401, and stops when refused again', async () => {
    const requests = fakeFetch();
    const harness = setup({ historyUrl: 'http://history.test' });
    const { client, socket, connect, joinAt } = harness;
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    await connect();
    await joinAt(5);
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    socket().drop();
    await settle(BACKOFF.maxDelayMs);
    socket().drop();
    await settle();
    expect(client.transport).toBe('polling');
    const unauthorized = { code: 'unauthorized', message: 'expired token' };

    requests[0].respond(401, unauthorized);
    await settle();
    expect(errors).toEqual([expect.objectContaining({ code: 'unauthorized' })]);
    expect(requests).toHaveLength(2);
    expect(client.connectionState).toBe('open');

    requests[1].respond(401, unauthorized);
    await settle();
    expect(client.connectionState).toBe('closed');
    expect(errors).toHaveLength(2);
    await settle(BACKOFF.maxDelayMs);
    expect(requests).toHaveLength(2);
  });
});
