import { INestApplication } from '@nestjs/common';
import {
  listen,
  signTestToken,
  testConfig,
  uniqueRoom,
  waitFor,
  WsTestClient,
} from '@switchboard/testing';
import { Client } from 'pg';
import { createGatewayApp } from '../app/gateway-app.module';
import { CLOSE_FLOODING, MAX_QUEUED_FRAMES } from './client-session';

describe('a connection closed for flooding', () => {
  let app: INestApplication;
  let url: string;
  let db: Client;
  const databaseUrl = testConfig('gateway').databaseUrl;

  beforeAll(async () => {
    // No rate limit in the way: every queued message would be stored if it were handled.
    app = await createGatewayApp(
      testConfig('gateway', { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' }),
      {},
      { shutdownHooks: false },
    );
    url = (await listen(app)).ws;
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await app.close();
  });

  it('has the frame in progress finished and the queued ones dropped, then leaves its rooms', async () => {
    const room = uniqueRoom();
    const watcher = await WsTestClient.connect(url, { token: signTestToken('watcher') });
    const flooder = await WsTestClient.connect(url, { token: signTestToken('flooder') });
    await watcher.request({ type: 'join', room }, 'joined');
    await flooder.request({ type: 'join', room }, 'joined');
    await watcher.next('user_joined');
    // The room's sequence row, locked: the first message waits in the database while the rest queue.
    await db.query('INSERT INTO room_sequences (room, last_seq) VALUES ($1, 0)', [room]);
    const lock = new Client({ connectionString: databaseUrl });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM room_sequences WHERE room = $1 FOR UPDATE', [room]);

    const flood = (n: number) =>
      flooder.send({ type: 'message', room, text: `m${n}`, clientMsgId: `flood-${n}` });
    // The first message is in progress (waiting on the lock) before the rest arrive: frames that come
    // in one read are all queued before any runs, and would all be dropped.
    flood(0);
    await waitFor(async () => {
      const { rows } = await db.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0].waiting > 0;
    }, 'the first message to wait on the room lock');
    for (let n = 1; n < MAX_QUEUED_FRAMES + 100; n++) flood(n);
    expect(await flooder.waitClosed()).toBe(CLOSE_FLOODING);
    await lock.query('COMMIT');
    await lock.end();

    // The session's last task (leaving its rooms) runs after every queued frame, handled or dropped.
    await watcher.next('user_left', (frame) => frame.user.id === 'flooder');
    const { rows } = await db.query<{ client_msg_id: string }>(
      'SELECT client_msg_id FROM messages WHERE room = $1',
      [room],
    );
    expect(rows.map((row) => row.client_msg_id)).toEqual(['flood-0']);
    await watcher.close();
  });
});
