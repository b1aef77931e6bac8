import { ServerFrame } from '@switchboard/protocol';
import { testConfig, uniqueRoom, useInstances, waitFor, WsTestClient } from '@switchboard/testing';
import { Client } from 'pg';
import { createGatewayApp } from '../app/gateway-app.module';

/** The next `count` replies the client receives, in arrival order (its rooms' messages are not replies). */
async function replies(client: WsTestClient, count: number): Promise<ServerFrame[]> {
  const received = () => client.frames.filter((frame) => frame.type !== 'message');
  await waitFor(
    () => received().length >= count,
    () => `${count} replies; got ${JSON.stringify(received())}`,
  );
  const answered = received().slice(0, count);
  client.frames.splice(0, client.frames.length);
  return answered;
}

function summary(frame: ServerFrame): string {
  switch (frame.type) {
    case 'ack':
      return `ack ${frame.clientMsgId} ${frame.seq}`;
    case 'error':
      return `error ${frame.code}`;
    default:
      return frame.type;
  }
}

describe('pipelined messages on one connection', () => {
  const config = testConfig('gateway', {
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
  });
  const cluster = useInstances(
    1,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );

  it('answers a burst in frame order, acks after commit, each message stored once', async () => {
    const room = uniqueRoom();
    const other = uniqueRoom();
    const sender = await cluster.connect(0, `sender-${room}`);
    await sender.request({ type: 'join', room }, 'joined');
    const count = 200;
    for (let n = 0; n < count; n++) {
      // A repeat of an earlier clientMsgId, once within a commit and once across commits.
      const clientMsgId = n === 5 ? 'c-4' : n === 150 ? 'c-3' : `c-${n}`;
      sender.send({ type: 'message', room, text: `m${n}`, clientMsgId });
      if (n === 100) sender.send({ type: 'message', room: other, text: 'not joined' });
    }
    sender.send({ type: 'ping' });

    const answered = (await replies(sender, count + 2)).map(summary);
    const expected: string[] = [];
    let seq = 0;
    for (let n = 0; n < count; n++) {
      if (n === 5) expected.push('ack c-4 5');
      else if (n === 150) expected.push('ack c-3 4');
      else expected.push(`ack c-${n} ${++seq}`);
      if (n === 100) expected.push('error not_joined');
    }
    expected.push('pong');
    expect(answered).toEqual(expected);

    const { rows } = await cluster.db.query<{ seq: string; text: string }>(
      'SELECT seq, text FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    expect(rows).toHaveLength(count - 2);
    expect(rows.map((row) => Number(row.seq))).toEqual(rows.map((_, index) => index + 1));
    expect(rows.map((row) => row.text)).toEqual(
      Array.from({ length: count }, (_, n) => `m${n}`).filter((_, n) => n !== 5 && n !== 150),
    );
  });

  it('commits the messages sent while a commit is in flight together, after it', async () => {
    const room = uniqueRoom();
    const sender = await cluster.connect(0, `sender-${room}`);
    await sender.request({ type: 'join', room }, 'joined');
    await cluster.db.query('INSERT INTO room_sequences (room, last_seq) VALUES ($1, 0)', [room]);
    const lock = new Client({ connectionString: config.databaseUrl });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM room_sequences WHERE room = $1 FOR UPDATE', [room]);

    sender.send({ type: 'message', room, text: 'first', clientMsgId: 'first' });
    await waitFor(async () => {
      const { rows } = await cluster.db.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0].waiting > 0;
    }, 'the first message to wait on the room lock');
    for (let n = 0; n < 5; n++)
      sender.send({ type: 'message', room, text: `next ${n}`, clientMsgId: `next-${n}` });
    sender.send({ type: 'ping' });
    // Nothing is acknowledged while the first commit cannot complete.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sender.unclaimed('ack')).toEqual([]);
    await lock.query('COMMIT');
    await lock.end();

    const acks = await Promise.all(Array.from({ length: 6 }, () => sender.next('ack')));
    expect(acks.map((ack) => ack.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await sender.next('pong');
    // One statement is one transaction: its rows share one created_at, to the microsecond.
    const { rows } = await cluster.db.query<{ commits: number }>(
      'SELECT count(DISTINCT created_at)::int AS commits FROM messages WHERE room = $1',
      [room],
    );
    expect(rows[0].commits).toBe(2);
  });
});

describe('pipelined messages over the rate limit', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' });
  const cluster = useInstances(
    1,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );

  it('takes a token for every message and refuses the ones over it in frame order', async () => {
    const room = uniqueRoom();
    const sender = await cluster.connect(0, `sender-${room}`);
    await sender.request({ type: 'join', room }, 'joined');
    for (let n = 0; n < 5; n++)
      sender.send({ type: 'message', room, text: `m${n}`, clientMsgId: `c-${n}` });
    sender.send({ type: 'ping' });

    const answered = (await replies(sender, 6)).map(summary);
    expect(answered).toEqual([
      'ack c-0 1',
      'ack c-1 2',
      'ack c-2 3',
      'error rate_limited',
      'error rate_limited',
      'pong',
    ]);
  });
});
