import { INestApplication } from '@nestjs/common';
import { RedisMessageBus } from '@switchboard/bus';
import { RoomAccessChange } from '@switchboard/protocol';
import { RedisConnections } from '@switchboard/redis';
import { directRoomOf } from '@switchboard/room-access';
import {
  listen,
  signTestToken,
  TEST_SERVICE_API_KEY,
  testConfig,
  uniqueRoom,
  waitFor,
} from '@switchboard/testing';
import { Client } from 'pg';
import { createHistoryApp } from '../app/history-app.module';

type Headers = Record<string, string>;

const key: Headers = { 'X-Api-Key': TEST_SERVICE_API_KEY };
const bearer = (userId: string, name = userId): Headers => ({
  Authorization: `Bearer ${signTestToken(userId, name)}`,
});

async function call(
  base: string,
  method: string,
  path: string,
  headers: Headers,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe('room access on the history API', () => {
  const config = testConfig('history');
  let app: INestApplication;
  let base: string;
  let db: Client;
  let busConnections: RedisConnections;
  const announced: RoomAccessChange[] = [];

  const api = (method: string, path: string, headers: Headers, body?: unknown) =>
    call(base, method, path, headers, body);

  async function privateRoom(members: Record<string, 'member' | 'admin'>): Promise<string> {
    const room = uniqueRoom('private');
    expect((await api('PUT', `/rooms/${room}`, key, { access: 'private' })).status).toBe(201);
    for (const [userId, role] of Object.entries(members)) {
      expect((await api('PUT', `/rooms/${room}/members/${userId}`, key, { role })).status).toBe(
        201,
      );
    }
    return room;
  }

  beforeAll(async () => {
    app = await createHistoryApp(config, {}, { shutdownHooks: false });
    base = (await listen(app)).http;
    db = new Client({ connectionString: config.databaseUrl });
    await db.connect();
    // A gateway's view of the bus: what the API announces reaches every instance this way.
    busConnections = new RedisConnections({
      url: config.redisUrl!,
      keyPrefix: config.redisKeyPrefix,
    });
    await new RedisMessageBus(busConnections).subscribe('room-access', '', (change) =>
      announced.push(change),
    );
  });

  afterAll(async () => {
    await db.end();
    await Promise.all([app.close(), busConnections.close()]);
  });

  describe('PUT /rooms/:room (service key)', () => {
    it('creates a room (201), then updates it (200), keeping the title unless given', async () => {
      const room = uniqueRoom();
      const created = await api('PUT', `/rooms/${room}`, key, { access: 'open', title: 'Lobby' });
      expect(created).toEqual({
        status: 201,
        body: { room, access: 'open', title: 'Lobby', createdAt: expect.any(Number) },
      });
      const updated = await api('PUT', `/rooms/${room}`, key, { access: 'private' });
      expect(updated).toEqual({
        status: 200,
        body: { ...created.body, access: 'private' },
      });
      await waitFor(
        () => announced.some((c) => c.type === 'access_changed' && c.room === room),
        'access_changed announced',
      );
      expect(
        (await api('PUT', `/rooms/${room}`, key, { access: 'open', title: null })).body,
      ).toEqual({ ...created.body, title: null });
    });

    it.each([
      ['no access', {}],
      ['an unknown access', { access: 'secret' }],
      ['access direct', { access: 'direct' }],
      ['an empty title', { access: 'open', title: '' }],
      ['a title over 200 characters', { access: 'open', title: 't'.repeat(201) }],
      ['an extra field', { access: 'open', owner: 'ada' }],
    ])('refuses %s with 400 invalid_body and stores nothing', async (_label, body) => {
      const room = uniqueRoom();
      const response = await api('PUT', `/rooms/${room}`, key, body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'invalid_body' });
      const { rows } = await db.query('SELECT 1 FROM rooms WHERE room = $1', [room]);
      expect(rows).toEqual([]);
    });

    it('refuses a body that is not JSON, a bad room id and a dm: room id', async () => {
      await expect(api('PUT', `/rooms/${uniqueRoom()}`, key, '{"access":')).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_json' },
      });
      await expect(api('PUT', '/rooms/a%20b', key, { access: 'open' })).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'room' },
      });
      await expect(api('PUT', '/rooms/dm:abc', key, { access: 'open' })).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'room' },
      });
    });

    it('requires the service key: none, a wrong one or a user token is 401', async () => {
      const path = `/rooms/${uniqueRoom()}`;
      for (const headers of [{}, { 'X-Api-Key': 'wrong-key-of-some-length' }, bearer('ada')]) {
        await expect(api('PUT', path, headers, { access: 'open' })).resolves.toMatchObject({
          status: 401,
          body: { code: 'unauthorized' },
        });
      }
    });
  });

  describe('members', () => {
    it('lets the service key add (201), change (200), list and remove (204) members', async () => {
      const room = await privateRoom({});
      await expect(
        api('PUT', `/rooms/${room}/members/ada`, key, { role: 'admin' }),
      ).resolves.toEqual({ status: 201, body: { id: 'ada', role: 'admin', lastReadSeq: 0 } });
      await expect(api('PUT', `/rooms/${room}/members/bob`, key, {})).resolves.toEqual({
        status: 201,
        body: { id: 'bob', role: 'member', lastReadSeq: 0 },
      });
      await expect(
        api('PUT', `/rooms/${room}/members/bob`, key, { role: 'admin' }),
      ).resolves.toMatchObject({ status: 200, body: { role: 'admin' } });
      await expect(api('GET', `/rooms/${room}/members`, key)).resolves.toEqual({
        status: 200,
        body: {
          members: [
            { id: 'ada', role: 'admin', lastReadSeq: 0 },
            { id: 'bob', role: 'admin', lastReadSeq: 0 },
          ],
        },
      });
      await expect(api('DELETE', `/rooms/${room}/members/bob`, key)).resolves.toEqual({
        status: 204,
        body: {},
      });
      await waitFor(
        () =>
          announced.some(
            (c) => c.type === 'member_removed' && c.room === room && c.userId === 'bob',
          ),
        'member_removed announced on the bus',
      );
      // Idempotent: a retry after a failed announcement announces again.
      expect((await api('DELETE', `/rooms/${room}/members/bob`, key)).status).toBe(204);
      expect(
        ((await api('GET', `/rooms/${room}/members`, key)).body.members as unknown[]).length,
      ).toBe(1);
    });

    it('lets a room admin manage members with their own token, and refuses members and outsiders', async () => {
      const room = await privateRoom({ ada: 'admin', bob: 'member' });
      await expect(
        api('PUT', `/rooms/${room}/members/cy`, bearer('ada'), { role: 'member' }),
      ).resolves.toMatchObject({ status: 201, body: { id: 'cy' } });
      await expect(
        api('DELETE', `/rooms/${room}/members/cy`, bearer('ada')),
      ).resolves.toMatchObject({ status: 204 });
      for (const user of ['bob', 'mallory']) {
        await expect(
          api('PUT', `/rooms/${room}/members/${user}`, bearer(user), { role: 'admin' }),
        ).resolves.toEqual({
          status: 403,
          body: { statusCode: 403, code: 'forbidden', message: `you may not use room ${room}` },
        });
        await expect(
          api('DELETE', `/rooms/${room}/members/ada`, bearer(user)),
        ).resolves.toMatchObject({ status: 403, body: { code: 'forbidden' } });
      }
      // Members may list the members; outsiders may not.
      await expect(api('GET', `/rooms/${room}/members`, bearer('bob'))).resolves.toMatchObject({
        status: 200,
      });
      await expect(api('GET', `/rooms/${room}/members`, bearer('mallory'))).resolves.toMatchObject({
        status: 403,
        body: { code: 'forbidden' },
      });
      expect((await api('GET', `/rooms/${room}/members`, key)).body.members).toEqual([
        { id: 'ada', role: 'admin', lastReadSeq: 0 },
        { id: 'bob', role: 'member', lastReadSeq: 0 },
      ]);
    });

    it('answers 404 to the service key for a room that does not exist, and 403 to a user', async () => {
      const room = uniqueRoom('nowhere');
      await expect(api('PUT', `/rooms/${room}/members/ada`, key, {})).resolves.toMatchObject({
        status: 404,
        body: { code: 'not_found' },
      });
      await expect(api('DELETE', `/rooms/${room}/members/ada`, key)).resolves.toMatchObject({
        status: 404,
      });
      await expect(api('GET', `/rooms/${room}/members`, key)).resolves.toMatchObject({
        status: 404,
      });
      await expect(
        api('PUT', `/rooms/${room}/members/ada`, bearer('ada'), {}),
      ).resolves.toMatchObject({ status: 403, body: { code: 'forbidden' } });
    });

    it('refuses bad bodies, parameters and credentials', async () => {
      const room = await privateRoom({ ada: 'admin' });
      await expect(
        api('PUT', `/rooms/${room}/members/bob`, key, { role: 'owner' }),
      ).resolves.toMatchObject({ status: 400, body: { code: 'invalid_body' } });
      await expect(
        api('PUT', `/rooms/${room}/members/bob`, key, { role: 'member', extra: 1 }),
      ).resolves.toMatchObject({ status: 400, body: { code: 'invalid_body' } });
      await expect(
        api('PUT', `/rooms/${room}/members/${'u'.repeat(256)}`, key, {}),
      ).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'userId' },
      });
      await expect(api('PUT', `/rooms/${room}/members/a%07b`, key, {})).resolves.toMatchObject({
        status: 400,
        body: { parameter: 'userId' },
      });
      const direct = directRoomOf('ada', 'bob').room;
      await expect(api('PUT', `/rooms/${direct}/members/cy`, key, {})).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'room' },
      });
      await expect(api('DELETE', `/rooms/${direct}/members/bob`, key)).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'room' },
      });
      // A wrong key is refused even beside a valid admin token: never a fallback.
      await expect(
        api(
          'PUT',
          `/rooms/${room}/members/bob`,
          { 'X-Api-Key': 'wrong-key-of-some-length', ...bearer('ada') },
          {},
        ),
      ).resolves.toMatchObject({ status: 401 });
      await expect(api('GET', `/rooms/${room}/members`, {})).resolves.toMatchObject({
        status: 401,
        body: { code: 'unauthorized' },
      });
    });
  });

  describe('messages', () => {
    it("refuses a private room's messages to non-members with 403, for reading and sending", async () => {
      const room = await privateRoom({ ada: 'member' });
      const sent = await api('POST', `/rooms/${room}/messages`, bearer('ada'), { text: 'hi' });
      expect(sent.status).toBe(201);
      await expect(api('GET', `/rooms/${room}/messages`, bearer('ada'))).resolves.toMatchObject({
        status: 200,
        body: { messages: [{ text: 'hi' }] },
      });

      const forbidden = {
        status: 403,
        body: { statusCode: 403, code: 'forbidden', message: `you may not use room ${room}` },
      };
      await expect(api('GET', `/rooms/${room}/messages`, bearer('mallory'))).resolves.toEqual(
        forbidden,
      );
      await expect(
        api('GET', `/rooms/${room}/messages?after=0&limit=5`, bearer('mallory')),
      ).resolves.toEqual(forbidden);
      await expect(
        api('POST', `/rooms/${room}/messages`, bearer('mallory'), { text: 'let me in' }),
      ).resolves.toEqual(forbidden);
      const { rows } = await db.query('SELECT text FROM messages WHERE room = $1', [room]);
      expect(rows).toEqual([{ text: 'hi' }]);
    });

    it('refuses a removed member at once', async () => {
      const room = await privateRoom({ ada: 'admin', bob: 'member' });
      expect((await api('GET', `/rooms/${room}/messages`, bearer('bob'))).status).toBe(200);
      expect((await api('DELETE', `/rooms/${room}/members/bob`, bearer('ada'))).status).toBe(204);
      await expect(api('GET', `/rooms/${room}/messages`, bearer('bob'))).resolves.toMatchObject({
        status: 403,
      });
      await expect(
        api('POST', `/rooms/${room}/messages`, bearer('bob'), { text: 'x' }),
      ).resolves.toMatchObject({ status: 403 });
    });
  });

  describe('PUT /direct/:userId', () => {
    it('gives both users the same room (201, then 200), open to them only', async () => {
      const made = await api('PUT', '/direct/bea', bearer('al', 'Al'));
      const room = directRoomOf('al', 'bea').room;
      expect(made).toEqual({ status: 201, body: { room } });
      await expect(api('PUT', '/direct/al', bearer('bea'))).resolves.toEqual({
        status: 200,
        body: { room },
      });
      expect(
        (await api('POST', `/rooms/${room}/messages`, bearer('bea'), { text: 'hello al' })).status,
      ).toBe(201);
      expect((await api('GET', `/rooms/${room}/messages`, bearer('al'))).status).toBe(200);
      await expect(api('GET', `/rooms/${room}/messages`, bearer('cat'))).resolves.toMatchObject({
        status: 403,
        body: { code: 'forbidden' },
      });
      await expect(
        api('POST', `/rooms/${room}/messages`, bearer('cat'), { text: 'me too' }),
      ).resolves.toMatchObject({ status: 403 });
      // The caller's name is stored for a partner who never connects to a gateway.
      const { rows } = await db.query("SELECT name FROM users WHERE id = 'al'");
      expect(rows).toEqual([{ name: 'Al' }]);
    });

    it('refuses yourself, a bad user id and a missing token', async () => {
      await expect(api('PUT', '/direct/al', bearer('al'))).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'userId' },
      });
      await expect(api('PUT', `/direct/${'u'.repeat(256)}`, bearer('al'))).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'userId' },
      });
      await expect(api('PUT', '/direct/bea', {})).resolves.toMatchObject({ status: 401 });
    });
  });

  it('describes the new routes in OpenAPI from the same schemas', async () => {
    const docs = (await api('GET', '/docs-json', {})).body as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/rooms/{room}',
        '/rooms/{room}/members/{userId}',
        '/rooms/{room}/members',
        '/direct/{userId}',
      ]),
    );
    const bodySchema = (component: string) => ({
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${component}` } } },
    });
    expect(docs.paths['/rooms/{room}'].put.requestBody).toMatchObject(bodySchema('PutRoomBody'));
    expect(JSON.stringify(docs.components.schemas.PutRoomBody)).toContain('private');
    expect(docs.paths['/rooms/{room}/members/{userId}'].put.requestBody).toMatchObject(
      bodySchema('PutRoomMemberBody'),
    );
    expect(JSON.stringify(docs.components.schemas.PutRoomMemberBody)).toContain('admin');
  });
});

describe('the history API with ROOMS_OPEN_BY_DEFAULT=false and no SERVICE_API_KEY', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createHistoryApp(
      testConfig('history', { ROOMS_OPEN_BY_DEFAULT: 'false', SERVICE_API_KEY: '' }),
      {},
      { shutdownHooks: false },
    );
    base = (await listen(app)).http;
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses a room nobody created exactly as a private room', async () => {
    const unknown = uniqueRoom('unknown');
    const response = await call(base, 'GET', `/rooms/${unknown}/messages`, bearer('ada'));
    expect(response).toEqual({
      status: 403,
      body: { statusCode: 403, code: 'forbidden', message: `you may not use room ${unknown}` },
    });
    await expect(
      call(base, 'POST', `/rooms/${unknown}/messages`, bearer('ada'), { text: 'x' }),
    ).resolves.toEqual(response);
  });

  it('refuses every X-Api-Key when no key is configured', async () => {
    await expect(
      call(base, 'PUT', `/rooms/${uniqueRoom()}`, key, { access: 'open' }),
    ).resolves.toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    await expect(call(base, 'GET', `/rooms/${uniqueRoom()}/members`, key)).resolves.toMatchObject({
      status: 401,
    });
  });
});
