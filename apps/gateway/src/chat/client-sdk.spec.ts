import { INestApplication } from '@nestjs/common';
import {
  ConnectionState,
  SwitchboardClient,
  SwitchboardError,
  WebSocketLike,
} from '@switchboard/client';
import { AckFrame, ChatMessage } from '@switchboard/protocol';
import { listen, signTestToken, testConfig, uniqueRoom } from '@switchboard/testing';
import { Client } from 'pg';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

// The official client against two real gateway instances: nothing lost, nothing doubled.
describe('@switchboard/client against the gateway', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' });
  let apps: INestApplication[];
  let urls: string[];
  let db: Client;
  const clients: SwitchboardClient[] = [];

  /**
   * A client whose connection the test can cut, as a network failure would; `cut` holds the
   * reconnection back until `resume`, so the test decides what happens while it is away.
   */
  function client(instance: 0 | 1, userId: string) {
    const sockets: WebSocket[] = [];
    /** How each of its connections was closed, by either side. */
    const closeCodes: number[] = [];
    let away: Promise<void> = Promise.resolve();
    let resume = () => undefined as void;
    const sdk = new SwitchboardClient({
      url: urls[instance],
      token: async () => {
        await away;
        return signTestToken(userId);
      },
      createSocket: (url) => {
        const socket = new WebSocket(url);
        sockets.push(socket);
        socket.on('close', (code) => closeCodes.push(code));
        return socket as unknown as WebSocketLike;
      },
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    const received: ChatMessage[] = [];
    sdk.on('message', (message) => received.push(message));
    clients.push(sdk);
    const cut = () => {
      away = new Promise((resolve) => (resume = resolve));
      sockets.at(-1)!.terminate();
    };
    return { sdk, received, closeCodes, cut, resume: () => resume() };
  }

  async function until(
    condition: () => boolean | Promise<boolean>,
    deadlineMs = 5000,
  ): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (!(await condition()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await condition()).toBe(true);
  }

  /** Sends `count` messages with up to `window` awaiting their acks, as a busy client would. */
  function sendMany(
    sdk: SwitchboardClient,
    room: string,
    label: string,
    count: number,
    window = 8,
  ) {
    const progress = { acked: 0, done: Promise.resolve() };
    let next = 0;
    const lane = async () => {
      while (next < count) {
        await sdk.send(room, `${label} ${next++}`);
        progress.acked++;
      }
    };
    progress.done = Promise.all(Array.from({ length: window }, lane)).then(() => undefined);
    return progress;
  }

  async function rows(room: string, text: string): Promise<number> {
    const result = await db.query('SELECT 1 FROM messages WHERE room = $1 AND text = $2', [
      room,
      text,
    ]);
    return result.rowCount ?? 0;
  }

  beforeAll(async () => {
    apps = await Promise.all(
      [0, 1].map(() => createGatewayApp(config, {}, { shutdownHooks: false })),
    );
    urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
    db = new Client({ connectionString: config.databaseUrl });
    await db.connect();
  });

  afterEach(() => {
    for (const sdk of clients.splice(0)) sdk.close();
  });

  afterAll(async () => {
    await db.end();
    await Promise.all(apps.map((app) => app.close()));
  });

  it('joins, sends with an ack, and receives live messages in order', async () => {
    const room = uniqueRoom();
    const alice = client(0, 'alice');
    const bob = client(1, 'bob');
    await Promise.all([alice.sdk.connect(), bob.sdk.connect()]);
    await alice.sdk.join(room);
    expect((await bob.sdk.join(room)).members.map((m) => m.id).sort()).toEqual(['alice', 'bob']);
    const acks = await Promise.all(
      ['one', 'two', 'three'].map((text) => alice.sdk.send(room, text)),
    );
    expect(acks.map((ack) => ack.seq)).toEqual([1, 2, 3]);
    await until(() => bob.received.length === 3);
    expect(bob.received.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(await bob.sdk.ping()).toEqual(expect.any(Number));
  });

  it('recovers what it missed while disconnected, each message once, then stays live', async () => {
    const room = uniqueRoom();
    const alice = client(0, 'alice');
    const bob = client(1, 'bob');
    await Promise.all([alice.sdk.connect(), bob.sdk.connect()]);
    await alice.sdk.join(room);
    await bob.sdk.join(room);
    await alice.sdk.send(room, 'before');
    await until(() => bob.received.length === 1);

    bob.cut();
    await until(() => bob.sdk.connectionState !== 'open');
    for (const text of ['missed 1', 'missed 2', 'missed 3']) await alice.sdk.send(room, text);
    bob.resume();
    await until(() => bob.received.length === 4);
    await alice.sdk.send(room, 'after');
    await until(() => bob.received.length === 5);
    expect(bob.received.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(bob.received.map((m) => m.text)).toEqual([
      'before',
      'missed 1',
      'missed 2',
      'missed 3',
      'after',
    ]);
  });

  it('delivers a send made while disconnected, and one in flight at the cut, exactly once', async () => {
    const room = uniqueRoom();
    const alice = client(0, 'alice');
    await alice.sdk.connect();
    await alice.sdk.join(room);

    const inFlight = alice.sdk.send(room, 'in flight');
    alice.cut();
    const whileDown = alice.sdk.send(room, 'while down');
    alice.resume();
    const acks = await Promise.all([inFlight, whileDown]);
    expect(acks.map((ack) => ack.seq).sort((a, b) => a - b)).toEqual([1, 2]);
    expect(await rows(room, 'in flight')).toBe(1);
    expect(await rows(room, 'while down')).toBe(1);
  });

  it("rejects a refused send with the server's code and does not retry it", async () => {
    const room = uniqueRoom();
    const alice = client(0, 'alice');
    await alice.sdk.connect();
    await alice.sdk.join(room);
    const refused = alice.sdk.send(room, 'x'.repeat(4001));
    await expect(refused).rejects.toBeInstanceOf(SwitchboardError);
    await expect(refused).rejects.toMatchObject({ code: 'too_long' });
    await expect(alice.sdk.send('never-joined-room', 'hi')).rejects.toMatchObject({
      code: 'not_joined',
    });
    expect((await alice.sdk.send(room, 'fine')).seq).toBe(1);
  });

  it('catches up on a long absence page by page (more: true), in order', async () => {
    const room = uniqueRoom();
    const bob = client(1, 'bob');
    await bob.sdk.connect();
    await bob.sdk.join(room);
    bob.cut();
    await until(() => bob.sdk.connectionState !== 'open');
    await db.query(
      `WITH s AS (INSERT INTO room_sequences (room, last_seq) VALUES ($1, 1200))
       INSERT INTO messages (room, seq, user_id, user_name, text) SELECT $1, g, 'seed', 'Seed', 'm' || g FROM generate_series(1, 1200) g`,
      [room],
    );
    bob.resume();
    await until(() => bob.received.length === 1200);
    expect(bob.received.map((m) => m.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
  });

  it('after cuts in the middle of fast traffic from both instances, has every seq once and in order', async () => {
    const room = uniqueRoom();
    const alice = client(0, 'alice');
    const carol = client(1, 'carol');
    const bob = client(1, 'bob');
    const dave = client(0, 'dave');
    await Promise.all([alice, carol, bob, dave].map(({ sdk }) => sdk.connect()));
    await Promise.all([alice, carol, bob].map(({ sdk }) => sdk.join(room)));

    const perSender = 250;
    const senders = [
      sendMany(alice.sdk, room, 'alice', perSender),
      sendMany(carol.sdk, room, 'carol', perSender),
    ];
    const acked = () => senders.reduce((sum, sender) => sum + sender.acked, 0);
    // A first join in the middle of the traffic: its history and its live messages meet exactly.
    await until(() => acked() >= 40);
    const { messages: history } = await dave.sdk.join(room);

    for (let cut = 0; cut < 4; cut++) {
      const seen = bob.received.length;
      await until(() => bob.received.length > seen);
      bob.cut();
      await until(() => bob.sdk.connectionState !== 'open');
      const before = acked();
      await until(() => acked() >= before + 20);
      // Resumed while both keep sending: the resume reply and live messages arrive together.
      bob.resume();
      await until(() => bob.sdk.connectionState === 'open');
    }
    await Promise.all(senders.map((sender) => sender.done));

    const total = 2 * perSender;
    await until(
      () => bob.received.at(-1)?.seq === total && dave.received.at(-1)?.seq === total,
      15_000,
    );
    const all = Array.from({ length: total }, (_, i) => i + 1);
    expect(bob.received.map((m) => m.seq)).toEqual(all);
    expect([...history, ...dave.received].map((m) => m.seq)).toEqual(all.slice(history[0].seq - 1));
  }, 30_000);

  it('retries sends the database refused (internal_error) until they are stored, each once', async () => {
    const room = uniqueRoom();
    const fault = `refuse_${room.replace(/\W/g, '_')}`;
    const alice = client(0, 'alice');
    const bob = client(1, 'bob');
    await Promise.all([alice.sdk.connect(), bob.sdk.connect()]);
    await alice.sdk.join(room);
    await bob.sdk.join(room);
    // A real refusal by PostgreSQL for this room only; the sequence counts refusals, as it survives rollbacks.
    await db.query(`CREATE SEQUENCE ${fault}`);
    await db.query(
      `CREATE FUNCTION ${fault}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM nextval('${fault}'); RAISE EXCEPTION 'refused by the test'; END $$`,
    );
    await db.query(
      `CREATE TRIGGER ${fault} BEFORE INSERT ON messages FOR EACH ROW
       WHEN (NEW.room = '${room}') EXECUTE FUNCTION ${fault}()`,
    );
    const refusals = async () => {
      const { rows: counted } = await db.query<{ refused: string }>(
        `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS refused FROM ${fault}`,
      );
      return Number(counted[0].refused);
    };
    try {
      const texts = ['one', 'two', 'three', 'four', 'five'];
      const sends = texts.map((text) => alice.sdk.send(room, text));
      // Every send refused, and some more than once: they were sent again.
      await until(async () => (await refusals()) >= 2 * texts.length);
      await db.query(`DROP TRIGGER ${fault} ON messages`);
      const acks = await Promise.all(sends);
      expect(acks.map((ack) => ack.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      for (const text of texts) expect(await rows(room, text)).toBe(1);
      await until(() => bob.received.length === texts.length);
      expect(bob.received.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS ${fault} ON messages`);
      await db.query(`DROP FUNCTION ${fault}()`);
      await db.query(`DROP SEQUENCE ${fault}`);
    }
  }, 30_000);

  it('sends 1,000 messages at once without flooding its connection: each acked in order and stored once', async () => {
    const room = uniqueRoom();
    // Its own user, so the whole burst fits in a fresh rate-limit bucket (1,000) and none is refused.
    const flooder = client(0, `flooder-${room}`);
    await flooder.sdk.connect();
    await flooder.sdk.join(room);
    const states: ConnectionState[] = [];
    flooder.sdk.on('state', (state) => states.push(state));

    const texts = Array.from({ length: 1000 }, (_, n) => `burst ${n}`);
    const acks: AckFrame[] = [];
    const refusals: unknown[] = [];
    for (const text of texts) {
      void flooder.sdk.send(room, text).then(
        (ack) => acks.push(ack),
        (error: unknown) => refusals.push(error),
      );
    }
    // More than 256 unanswered frames make the gateway close the connection (1008) on every attempt.
    await until(() => acks.length === texts.length || flooder.closeCodes.length > 0, 30_000);
    expect(flooder.closeCodes).toEqual([]);
    expect(states).toEqual([]);
    expect(refusals).toEqual([]);
    expect(acks.map((ack) => ack.seq)).toEqual(texts.map((_, n) => n + 1));

    const { rows: stored } = await db.query<{ text: string }>(
      'SELECT text FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    expect(stored.map((row) => row.text)).toEqual(texts);
  }, 60_000);
});
