import { ChatMessage } from '@switchboard/protocol';
import { testConfig, uniqueRoom, useInstances } from '@switchboard/testing';
import { createGatewayApp } from '../app/gateway-app.module';

// Two gateway instances on one Redis and one database, as deployed.
describe('chat gateway, two instances', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '100' });
  const cluster = useInstances(
    2,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );
  const { connect } = cluster;

  async function storedSeqs(room: string): Promise<number[]> {
    const { rows } = await cluster.db.query<{ seq: string }>(
      'SELECT seq FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    return rows.map((row) => Number(row.seq));
  }

  it('delivers a message sent on one instance to a member on the other, after the ack', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice', 'Alice');
    const bob = await connect(1, 'bob', 'Bob');
    await alice.request({ type: 'join', room }, 'joined');
    const joined = await bob.request({ type: 'join', room }, 'joined');
    expect(joined.members.map((m) => m.id).sort()).toEqual(['alice', 'bob']);
    await alice.next('user_joined', (f) => f.user.id === 'bob');

    alice.send({ type: 'message', room, text: 'hello <b>bob</b>\nsecond line', clientMsgId: 'c1' });
    const ack = await alice.next('ack');
    expect(ack).toMatchObject({ clientMsgId: 'c1', room, seq: 1 });
    const received = await bob.next('message');
    expect(received).toEqual({
      type: 'message',
      id: ack.id,
      room,
      seq: 1,
      user: { id: 'alice', name: 'Alice' },
      text: 'hello <b>bob</b>\nsecond line',
      ts: ack.ts,
      clientMsgId: 'c1',
    });
    // The sender's own connection receives the broadcast too.
    await expect(alice.next('message')).resolves.toMatchObject({ id: ack.id });
  });

  it('gives gap-free, repeat-free seq to concurrent senders on both instances', async () => {
    const room = uniqueRoom();
    const senders = await Promise.all(
      [0, 1, 0, 1].map((instance, i) => connect(instance as 0 | 1, `sender${i}`)),
    );
    const watcher = await connect(1, 'watcher');
    for (const client of [...senders, watcher])
      await client.request({ type: 'join', room }, 'joined');
    const perSender = 25;
    for (const [i, sender] of senders.entries()) {
      for (let n = 0; n < perSender; n++)
        sender.send({ type: 'message', room, text: `s${i} m${n}`, clientMsgId: `s${i}-${n}` });
    }
    const acks = (
      await Promise.all(
        senders.map((s) => Promise.all(Array.from({ length: perSender }, () => s.next('ack')))),
      )
    ).flat();
    const total = senders.length * perSender;
    expect(acks.map((a) => a.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(await storedSeqs(room)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Each sender's messages keep their send order.
    for (const [i] of senders.entries()) {
      const own = acks.filter((a) => a.clientMsgId?.startsWith(`s${i}-`));
      expect(own.map((a) => a.clientMsgId)).toEqual(
        Array.from({ length: perSender }, (_, n) => `s${i}-${n}`),
      );
    }
    const delivered = await Promise.all(
      Array.from({ length: total }, () => watcher.next('message')),
    );
    // Every member gets every message once, in seq order, whichever instance committed it.
    expect(delivered.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('recovers exactly the missed messages on a reconnect with since', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    let bob = await connect(1, 'bob');
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    for (let n = 1; n <= 3; n++)
      await alice.request({ type: 'message', room, text: `before ${n}` }, 'ack');
    const seen = await Promise.all([1, 2, 3].map(() => bob.next('message')));
    const lastSeen = seen[2].seq;
    await bob.close();

    for (let n = 1; n <= 4; n++)
      await alice.request({ type: 'message', room, text: `missed ${n}` }, 'ack');
    bob = await connect(0, 'bob');
    const resumed = await bob.request({ type: 'join', room, since: lastSeen }, 'joined');
    expect(resumed.messages.map((m) => (m as ChatMessage).text)).toEqual([
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
    ]);
    expect(resumed.more).toBeUndefined();

    await alice.request({ type: 'message', room, text: 'live again' }, 'ack');
    await expect(bob.next('message')).resolves.toMatchObject({
      text: 'live again',
      seq: lastSeen + 5,
    });
    expect(bob.unclaimed('message')).toEqual([]);
  });

  it("treats a since past the room's end as its end, so new messages are not hidden", async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join', room }, 'joined');
    await alice.request({ type: 'message', room, text: 'first' }, 'ack');
    const bob = await connect(1, 'bob');
    const joined = await bob.request({ type: 'join', room, since: 1_000_000 }, 'joined');
    expect(joined.messages).toEqual([]);
    await alice.request({ type: 'message', room, text: 'second' }, 'ack');
    await expect(bob.next('message')).resolves.toMatchObject({ text: 'second', seq: 2 });
  });

  it('joins without since with the last 50 messages, oldest first', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join', room }, 'joined');
    for (let n = 1; n <= 55; n++) alice.send({ type: 'message', room, text: `m${n}` });
    for (let n = 1; n <= 55; n++) await alice.next('ack');
    const bob = await connect(1, 'bob');
    const joined = await bob.request({ type: 'join', room }, 'joined');
    expect(joined.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 6));
  });

  it('caps a resume at 500 messages with more: true and pauses live until the client catches up', async () => {
    const room = uniqueRoom();
    await cluster.db.query(
      `WITH s AS (INSERT INTO room_sequences (room, last_seq) VALUES ($1, 520) RETURNING room)
       INSERT INTO messages (room, seq, user_id, user_name, text) SELECT $1, g, 'seed', 'Seed', 'old ' || g FROM generate_series(1, 520) g`,
      [room],
    );
    const bob = await connect(1, 'bob');
    const first = await bob.request({ type: 'join', room, since: 0 }, 'joined');
    expect(first.messages).toHaveLength(500);
    expect(first.more).toBe(true);
    const rest = await bob.request({ type: 'join', room, since: 500 }, 'joined');
    expect(rest.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 501));
    expect(rest.more).toBeUndefined();
  });

  it('stores a repeated clientMsgId once and acks it again with the original id and seq', async () => {
    const room = uniqueRoom();
    const alice0 = await connect(0, 'alice');
    const alice1 = await connect(1, 'alice');
    await alice0.request({ type: 'join', room }, 'joined');
    await alice1.request({ type: 'join', room }, 'joined');
    const first = await alice0.request(
      { type: 'message', room, text: 'once', clientMsgId: 'dup-1' },
      'ack',
    );
    const again = await alice0.request(
      { type: 'message', room, text: 'once', clientMsgId: 'dup-1' },
      'ack',
    );
    const elsewhere = await alice1.request(
      { type: 'message', room, text: 'once', clientMsgId: 'dup-1' },
      'ack',
    );
    expect(again).toEqual(first);
    expect(elsewhere).toEqual(first);
    // Concurrent repeats on both instances still make one row.
    alice0.send({ type: 'message', room, text: 'race', clientMsgId: 'dup-2' });
    alice1.send({ type: 'message', room, text: 'race', clientMsgId: 'dup-2' });
    const [a, b] = await Promise.all([
      alice0.next('ack', (f) => f.clientMsgId === 'dup-2'),
      alice1.next('ack', (f) => f.clientMsgId === 'dup-2'),
    ]);
    expect(a).toEqual(b);
    expect(await storedSeqs(room)).toEqual([1, 2]);
  });

  it('tells the others when a user joins and leaves, and only when their last connection goes', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice', 'Alice');
    await alice.request({ type: 'join', room }, 'joined');
    const bobA = await connect(1, 'bob', 'Bob');
    const bobB = await connect(0, 'bob', 'Bob');
    await bobA.request({ type: 'join', room }, 'joined');
    await expect(alice.next('user_joined')).resolves.toEqual({
      type: 'user_joined',
      room,
      user: { id: 'bob', name: 'Bob' },
    });
    const second = await bobB.request({ type: 'join', room }, 'joined');
    expect(second.members.map((m) => m.id).sort()).toEqual(['alice', 'bob']);

    await expect(bobA.request({ type: 'leave', room }, 'left')).resolves.toEqual({
      type: 'left',
      room,
    });
    await bobB.close();
    await expect(alice.next('user_left')).resolves.toEqual({
      type: 'user_left',
      room,
      user: { id: 'bob', name: 'Bob' },
    });
    expect(alice.unclaimed('user_joined')).toEqual([]);
    expect(alice.unclaimed('user_left')).toEqual([]);
    // After leaving, sending to the room is refused.
    await expect(
      bobA.request({ type: 'message', room, text: 'x' }, 'error'),
    ).resolves.toMatchObject({ code: 'not_joined' });
  });

  it('answers ping with pong', async () => {
    const alice = await connect(0, 'alice');
    const pong = await alice.request({ type: 'ping' }, 'pong');
    expect(typeof pong.ts).toBe('number');
  });
});
