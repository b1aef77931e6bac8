import { INestApplication } from '@nestjs/common';
import { RedisMessageBus } from '@switchboard/bus';
import { ChatMessage, RoomEventFrame, sendMessageBody } from '@switchboard/protocol';
import { RedisConnections } from '@switchboard/redis';
import { openApiSchema } from '@switchboard/http';
import { listen, signTestToken, testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { Client } from 'pg';
import { createHistoryApp } from '../app/history-app.module';

describe('history API', () => {
  let history: INestApplication;
  let base: string;
  // Another instance's view of the bus: its own Redis connections, as a gateway would have.
  let gatewayBus: RedisMessageBus;
  let gatewayRedis: RedisConnections;
  let db: Client;
  const token = signTestToken('reader', 'Reader');
  const auth = { Authorization: `Bearer ${token}` };

  async function get(path: string, headers: Record<string, string> = auth) {
    const response = await fetch(`${base}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function post(path: string, body: string, headers: Record<string, string> = auth) {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  async function seed(room: string, count: number): Promise<void> {
    await db.query(
      `WITH s AS (INSERT INTO room_sequences (room, last_seq) VALUES ($1, $2))
       INSERT INTO messages (room, seq, user_id, user_name, text) SELECT $1, g, 'seed', 'Seed', 'm' || g FROM generate_series(1, $2) g`,
      [room, count],
    );
  }

  const seqs = (body: Record<string, unknown>) =>
    (body.messages as ChatMessage[]).map((m) => m.seq);

  beforeAll(async () => {
    const config = testConfig('history', { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '5' });
    history = await createHistoryApp(config, {}, { shutdownHooks: false });
    base = (await listen(history)).http;
    gatewayRedis = new RedisConnections({
      url: config.redisUrl!,
      keyPrefix: config.redisKeyPrefix,
    });
    gatewayBus = new RedisMessageBus(gatewayRedis);
    db = new Client({ connectionString: config.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await Promise.all([history.close(), gatewayRedis.close()]);
  });

  it("exposes the chat path's metrics and none of the gateway's or the notification service's", async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('switchboard_messages_stored_total');
    expect(metrics).toContain('switchboard_frames_rejected_total');
    expect(metrics).not.toContain('switchboard_connections');
    expect(metrics).not.toContain('switchboard_sse_streams');
  });

  it('pages newest first, then back with before and forward with after, in ascending seq', async () => {
    const room = uniqueRoom();
    await seed(room, 120);
    const newest = await get(`/rooms/${room}/messages`);
    expect(newest.status).toBe(200);
    expect(seqs(newest.body)).toEqual(Array.from({ length: 50 }, (_, i) => i + 71));
    expect(newest.body.hasMore).toBe(true);

    const older = await get(`/rooms/${room}/messages?before=71&limit=60`);
    expect(seqs(older.body)).toEqual(Array.from({ length: 60 }, (_, i) => i + 11));
    expect(older.body.hasMore).toBe(true);
    const oldest = await get(`/rooms/${room}/messages?before=11&limit=100`);
    expect(seqs(oldest.body)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(oldest.body.hasMore).toBe(false);

    const forward = await get(`/rooms/${room}/messages?after=100&limit=15`);
    expect(seqs(forward.body)).toEqual(Array.from({ length: 15 }, (_, i) => i + 101));
    expect(forward.body.hasMore).toBe(true);
    const end = await get(`/rooms/${room}/messages?after=115&limit=15`);
    expect(seqs(end.body)).toEqual([116, 117, 118, 119, 120]);
    expect(end.body.hasMore).toBe(false);
    const window = await get(`/rooms/${room}/messages?after=10&before=14`);
    expect(seqs(window.body)).toEqual([11, 12, 13]);
    expect(window.body.hasMore).toBe(false);

    const empty = await get(`/rooms/${uniqueRoom()}/messages`);
    expect(empty.body).toEqual({ messages: [], hasMore: false });
  });

  it('reads a page through the (room, seq) index', async () => {
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM messages WHERE room = 'r' AND seq < 1000 ORDER BY seq DESC LIMIT 50`,
    );
    expect(rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(
      /Index Scan Backward using messages_room_seq_key/,
    );
  });

  it.each([
    ['limit', 'limit=0'],
    ['limit', 'limit=101'],
    ['limit', 'limit=ten'],
    ['before', 'before=-1'],
    ['after', 'after=1.5'],
    ['after', 'after='],
  ])('answers 400 naming %s for %s', async (parameter, query) => {
    const room = uniqueRoom();
    const { status, body } = await get(`/rooms/${room}/messages?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ statusCode: 400, code: 'invalid_parameter', parameter });
  });

  it('answers 400 naming the room for a bad room id', async () => {
    const { status, body } = await get(`/rooms/${'r'.repeat(65)}/messages`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_parameter', parameter: 'room' });
  });

  it.each([
    ['no token', {}],
    ['a bad token', { Authorization: 'Bearer nope' }],
    [
      'an expired token',
      { Authorization: `Bearer ${signTestToken('x', 'x', { expiresIn: -10 })}` },
    ],
  ])('answers 401 to %s', async (_label, headers: Record<string, string>) => {
    const { status, body } = await get(`/rooms/${uniqueRoom()}/messages`, headers);
    expect(status).toBe(401);
    expect(body).toMatchObject({ statusCode: 401, code: 'unauthorized' });
    const sent = await post(`/rooms/${uniqueRoom()}/messages`, '{"text":"x"}', headers);
    expect(sent.status).toBe(401);
  });

  it('sends over HTTP like a WebSocket message: stored, fanned out to every instance, idempotent', async () => {
    const room = uniqueRoom();
    const broadcast: RoomEventFrame[] = [];
    const unsubscribe = await gatewayBus.subscribe('room', room, (frame) => broadcast.push(frame));

    const created = await post(
      `/rooms/${room}/messages`,
      JSON.stringify({ text: 'over http', clientMsgId: 'h-1' }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      room,
      seq: 1,
      text: 'over http',
      clientMsgId: 'h-1',
      user: { id: 'reader', name: 'Reader' },
    });
    await waitFor(() => broadcast.length > 0, 'the broadcast of the message');
    expect(broadcast).toEqual([{ type: 'message', ...created.body }]);

    const repeated = await post(
      `/rooms/${room}/messages`,
      JSON.stringify({ text: 'over http', clientMsgId: 'h-1' }),
    );
    expect(repeated.status).toBe(200);
    expect(repeated.body).toEqual(created.body);
    const { rows } = await db.query('SELECT 1 FROM messages WHERE room = $1', [room]);
    expect(rows).toHaveLength(1);
    // Nor did it use up a sequence number: the next message follows with no gap.
    const next = await post(`/rooms/${room}/messages`, JSON.stringify({ text: 'after' }));
    expect(next.body).toMatchObject({ seq: 2 });
    // The repeat is acknowledged, not broadcast again: a broadcast of it was published before the next
    // message's, so once that one arrives, everything before it has.
    await waitFor(() => broadcast.length > 1, 'the broadcast of the next message');
    expect(broadcast).toEqual([
      { type: 'message', ...created.body },
      { type: 'message', ...next.body },
    ]);
    await unsubscribe();
  });

  it.each([
    ['invalid_json', '{"text":'],
    ['invalid_message', '{"clientMsgId":"x"}'],
    ['invalid_message', '{"text":7}'],
    ['invalid_message', '{"text":"bell\\u0007"}'],
    ['invalid_message', '{"text":"x","extra":1}'],
    ['invalid_message', '{"text":"\\ud800"}'],
    ['invalid_message', '{"text":"a\\udfffb"}'],
    ['invalid_message', '{"text":"x","clientMsgId":"c\\udfff"}'],
    ['invalid_message', '[]'],
    ['too_long', JSON.stringify({ text: 'x'.repeat(4001) })],
  ])('answers 400 %s and stores nothing for %s', async (code, body) => {
    const room = uniqueRoom();
    const response = await post(`/rooms/${room}/messages`, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code });
    const { rows } = await db.query('SELECT 1 FROM messages WHERE room = $1', [room]);
    expect(rows).toHaveLength(0);
  });

  it('counts a refused body in the same metric as a refused frame, by code', async () => {
    const refused = async () => {
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const line = /^switchboard_frames_rejected_total\{code="too_long"\} (\d+)$/m.exec(metrics);
      return Number(line?.[1] ?? 0);
    };
    const before = await refused();
    const response = await post(
      `/rooms/${uniqueRoom()}/messages`,
      JSON.stringify({ text: 'x'.repeat(4001) }),
    );
    expect(response.status).toBe(400);
    expect(await refused()).toBe(before + 1);
  });

  it('answers 413 too_large to a body over 100 kB, and stores nothing', async () => {
    const room = uniqueRoom();
    const response = await post(
      `/rooms/${room}/messages`,
      JSON.stringify({ text: 'x'.repeat(200_000) }),
    );
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'too_large' });
    const { rows } = await db.query('SELECT 1 FROM messages WHERE room = $1', [room]);
    expect(rows).toHaveLength(0);
  });

  it('answers 429 with Retry-After past the rate limit, and stores nothing of it', async () => {
    const room = uniqueRoom();
    const sender = { Authorization: `Bearer ${signTestToken('hasty')}` };
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let n = 0; n < 7; n++) {
      const response = await post(
        `/rooms/${room}/messages`,
        JSON.stringify({ text: `m${n}` }),
        sender,
      );
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(limited?.body).toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    const { rows } = await db.query('SELECT 1 FROM messages WHERE room = $1', [room]);
    expect(rows).toHaveLength(statuses.filter((s) => s === 201).length);
  });

  it('describes itself in OpenAPI at /docs-json, with the body schema the server validates with', async () => {
    const response = await fetch(`${base}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    const path = document.paths['/rooms/{room}/messages'];
    expect(Object.keys(path).sort()).toEqual(['get', 'post']);
    expect(path.post.requestBody?.content['application/json'].schema).toEqual(
      openApiSchema(sendMessageBody),
    );
    expect((await fetch(`${base}/docs`)).status).toBe(200);
  });
});
