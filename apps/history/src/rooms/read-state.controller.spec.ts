import { INestApplication } from '@nestjs/common';
import { RedisMessageBus } from '@switchboard/bus';
import { RoomEventFrame } from '@switchboard/protocol';
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

describe('read state and the inbox on the history API', () => {
  const config = testConfig('history');
  let app: INestApplication;
  let base: string;
  let db: Client;
  let busConnections: RedisConnections;
  let bus: RedisMessageBus;

  async function api(
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

  async function send(room: string, userId: string, ...texts: string[]): Promise<void> {
    for (const text of texts) {
      expect((await api('POST', `/rooms/${room}/messages`, bearer(userId), { text })).status).toBe(
        201,
      );
    }
  }

  beforeAll(async () => {
    app = await createHistoryApp(config, {}, { shutdownHooks: false });
    base = (await listen(app)).http;
    db = new Client({ connectionString: config.databaseUrl });
    await db.connect();
    // A gateway's view of the bus: a read announced here reaches every instance this way.
    busConnections = new RedisConnections({
      url: config.redisUrl!,
      keyPrefix: config.redisKeyPrefix,
    });
    bus = new RedisMessageBus(busConnections);
  });

  afterAll(async () => {
    await db.end();
    await Promise.all([app.close(), busConnections.close()]);
  });

  describe('PUT /rooms/:room/read', () => {
    it('moves the position forward only, clamps it to the room, and announces each move on the room', async () => {
      const room = uniqueRoom();
      const heard: RoomEventFrame[] = [];
      const unsubscribe = await bus.subscribe('room', room, (frame) => heard.push(frame));
      await send(room, 'bob', 'one', 'two', 'three');

      const read = (seq: unknown) =>
        api('PUT', `/rooms/${room}/read`, bearer('ann', 'Ann'), { seq });
      await expect(read(2)).resolves.toEqual({ status: 200, body: { room, lastReadSeq: 2 } });
      await expect(read(1)).resolves.toEqual({ status: 200, body: { room, lastReadSeq: 2 } });
      await expect(read(99)).resolves.toEqual({ status: 200, body: { room, lastReadSeq: 3 } });
      await waitFor(
        () => heard.filter((frame) => frame.type === 'read').length === 2,
        'two reads announced',
      );
      expect(heard.filter((frame) => frame.type === 'read')).toEqual([
        { type: 'read', room, user: { id: 'ann', name: 'Ann' }, seq: 2 },
        { type: 'read', room, user: { id: 'ann', name: 'Ann' }, seq: 3 },
      ]);
      await unsubscribe();
      // Reading an open room made ann a member.
      const { rows } = await db.query(
        'SELECT last_read_seq FROM room_members WHERE room = $1 AND user_id = $2',
        [room, 'ann'],
      );
      expect(rows).toEqual([{ last_read_seq: '3' }]);
    });

    it.each([
      ['a negative seq', { seq: -1 }],
      ['a fraction', { seq: 1.5 }],
      ['a string', { seq: '1' }],
      ['no seq', {}],
      ['an extra field', { seq: 1, extra: true }],
    ])('refuses %s with 400 invalid_body', async (_, body) => {
      const response = await api('PUT', `/rooms/${uniqueRoom()}/read`, bearer('ann'), body);
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_body' } });
    });

    it('refuses bad JSON, a bad room, no token, and a room the caller may not use', async () => {
      await expect(
        api('PUT', `/rooms/${uniqueRoom()}/read`, bearer('ann'), '{"seq":'),
      ).resolves.toMatchObject({ status: 400, body: { code: 'invalid_json' } });
      await expect(
        api('PUT', '/rooms/bad%20room/read', bearer('ann'), { seq: 1 }),
      ).resolves.toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', parameter: 'room' },
      });
      await expect(
        api('PUT', `/rooms/${uniqueRoom()}/read`, {}, { seq: 1 }),
      ).resolves.toMatchObject({ status: 401, body: { code: 'unauthorized' } });
      const room = uniqueRoom('private');
      expect((await api('PUT', `/rooms/${room}`, key, { access: 'private' })).status).toBe(201);
      await expect(
        api('PUT', `/rooms/${room}/read`, bearer('mallory'), { seq: 1 }),
      ).resolves.toMatchObject({ status: 403, body: { code: 'forbidden' } });
      const { rows } = await db.query('SELECT 1 FROM room_members WHERE room = $1', [room]);
      expect(rows).toEqual([]);
    });
  });

  describe('GET /me/rooms', () => {
    it("answers the caller's rooms, most recent activity first, with unread counts and newest messages", async () => {
      const me = uniqueRoom('user');
      const partner = uniqueRoom('partner');
      const openRoom = uniqueRoom('open');
      const privateRoom = uniqueRoom('private');
      expect(
        (await api('PUT', `/rooms/${privateRoom}`, key, { access: 'private', title: 'Team' }))
          .status,
      ).toBe(201);
      await api('PUT', `/rooms/${privateRoom}/members/${me}`, key, { role: 'member' });
      await api('PUT', `/rooms/${privateRoom}/members/${partner}`, key, { role: 'admin' });
      expect((await api('PUT', `/direct/${me}`, bearer(partner, 'Partner'))).status).toBe(201);
      const direct = directRoomOf(me, partner).room;

      await send(direct, partner, 'dm 1');
      await send(openRoom, partner, 'open 1', 'open 2');
      await api('PUT', `/rooms/${openRoom}/read`, bearer(me), { seq: 1 });
      await send(privateRoom, me, 'team 1 (mine)');

      const response = await api('GET', '/me/rooms', bearer(me));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        rooms: [
          {
            room: privateRoom,
            access: 'private',
            title: 'Team',
            unread: 0,
            lastReadSeq: 0,
            lastMessage: expect.objectContaining({ seq: 1, text: 'team 1 (mine)' }),
          },
          {
            room: openRoom,
            access: 'open',
            unread: 1,
            lastReadSeq: 1,
            lastMessage: expect.objectContaining({ seq: 2, text: 'open 2' }),
          },
          {
            room: direct,
            access: 'direct',
            direct: { user: { id: partner, name: 'Partner' } },
            unread: 1,
            lastReadSeq: 0,
            lastMessage: expect.objectContaining({
              room: direct,
              seq: 1,
              text: 'dm 1',
              // A message keeps the name its sender's token had (sent here without one).
              user: { id: partner, name: partner },
            }),
          },
        ],
      });
    });

    it('answers an empty inbox to a user of no room, and 401 without a token', async () => {
      await expect(api('GET', '/me/rooms', bearer(uniqueRoom('nobody')))).resolves.toEqual({
        status: 200,
        body: { rooms: [] },
      });
      await expect(api('GET', '/me/rooms', {})).resolves.toMatchObject({
        status: 401,
        body: { code: 'unauthorized' },
      });
    });
  });

  it('describes both routes in OpenAPI, with their body and answers', async () => {
    const docs = (await api('GET', '/docs-json', {})).body as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    // Bodies and answers are named components: each operation refers to its schemas by name.
    const { schemas } = docs.components;
    const markRead = JSON.stringify(docs.paths['/rooms/{room}/read'].put);
    expect(markRead).toContain('#/components/schemas/MarkReadBody');
    expect(markRead).toContain('#/components/schemas/ReadPosition');
    expect(markRead).toContain('"403"');
    expect(JSON.stringify(schemas.MarkReadBody)).toContain('"seq"');
    expect(JSON.stringify(schemas.ReadPosition)).toContain('lastReadSeq');
    expect(JSON.stringify(docs.paths['/me/rooms'].get.responses)).toContain(
      '#/components/schemas/InboxResponse',
    );
    const inbox = JSON.stringify([schemas.InboxResponse, schemas.InboxRoom]);
    for (const field of ['unread', 'lastReadSeq', 'lastMessage', 'direct', 'access']) {
      expect(inbox).toContain(`"${field}"`);
    }
  });
});
