import { INestApplication } from '@nestjs/common';
import { RedisMessageBus } from '@switchboard/bus';
import { openApiSchema } from '@switchboard/http';
import {
  ChatMessage,
  editMessageBody,
  messageEditedSchema,
  RoomEventFrame,
} from '@switchboard/protocol';
import { RedisConnections } from '@switchboard/redis';
import { RoomAdministration } from '@switchboard/room-access';
import { listen, signTestToken, testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { Client } from 'pg';
import { createHistoryApp } from '../app/history-app.module';

type Json = Record<string, unknown>;

// Two history instances, and a gateway's view of the bus, on one Redis and one database.
describe('history API: PATCH and DELETE /rooms/:room/messages/:id', () => {
  const config = testConfig('history', { RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '100' });
  let apps: INestApplication[];
  let bases: string[];
  let gatewayBus: RedisMessageBus;
  let gatewayRedis: RedisConnections;
  let db: Client;

  async function call(
    instance: 0 | 1,
    method: string,
    path: string,
    user: string | null,
    body?: string,
  ): Promise<{ status: number; body: Json | null }> {
    const response = await fetch(`${bases[instance]}${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(user ? { Authorization: `Bearer ${signTestToken(user, user)}` } : {}),
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : null };
  }

  async function send(room: string, user: string, text: string): Promise<ChatMessage> {
    const sent = await call(0, 'POST', `/rooms/${room}/messages`, user, JSON.stringify({ text }));
    expect(sent.status).toBe(201);
    return sent.body as unknown as ChatMessage;
  }

  async function storedRows(room: string): Promise<number> {
    const { rows } = await db.query('SELECT 1 FROM messages WHERE room = $1', [room]);
    return rows.length;
  }

  beforeAll(async () => {
    apps = await Promise.all(
      [0, 1].map(() => createHistoryApp(config, {}, { shutdownHooks: false })),
    );
    bases = (await Promise.all(apps.map(listen))).map((url) => url.http);
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
    await Promise.all([...apps.map((app) => app.close()), gatewayRedis.close()]);
  });

  it('edits and deletes the author’s message, fans both out with their seqs, and pages show current state', async () => {
    const room = uniqueRoom();
    const broadcast: RoomEventFrame[] = [];
    const unsubscribe = await gatewayBus.subscribe('room', room, (frame) => broadcast.push(frame));
    try {
      const first = await send(room, 'ada', 'helo');
      const second = await send(room, 'ada', 'bye');

      const edited = await call(
        1,
        'PATCH',
        `/rooms/${room}/messages/${first.id}`,
        'ada',
        JSON.stringify({ text: 'hello' }),
      );
      expect(edited).toEqual({
        status: 200,
        body: {
          type: 'message_edited',
          room,
          id: first.id,
          seq: 3,
          text: 'hello',
          editedAt: expect.any(Number),
        },
      });
      await expect(
        call(0, 'DELETE', `/rooms/${room}/messages/${second.id}`, 'ada'),
      ).resolves.toEqual({ status: 204, body: null });
      // A retried delete is 204 again, with no new event.
      await expect(
        call(1, 'DELETE', `/rooms/${room}/messages/${second.id}`, 'ada'),
      ).resolves.toEqual({ status: 204, body: null });
      await waitFor(
        () => broadcast.length >= 4,
        () => `4 broadcasts, got ${broadcast.length}`,
      );
      expect(broadcast.map((frame) => `${frame.type} ${'seq' in frame ? frame.seq : ''}`)).toEqual([
        'message 1',
        'message 2',
        'message_edited 3',
        'message_deleted 4',
      ]);

      const page = await call(1, 'GET', `/rooms/${room}/messages`, 'bob');
      expect(page.body).toEqual({
        hasMore: false,
        messages: [
          { ...first, text: 'hello', editedAt: edited.body?.editedAt },
          {
            id: second.id,
            room,
            seq: 2,
            user: second.user,
            ts: second.ts,
            clientMsgId: null,
            deleted: true,
          },
        ],
      });
      const resumed = await call(0, 'GET', `/rooms/${room}/messages?after=2`, 'bob');
      expect(resumed.body).toEqual({
        hasMore: false,
        messages: [],
        events: [edited.body, { type: 'message_deleted', room, id: second.id, seq: 4 }],
      });
      expect(await storedRows(room)).toBe(4);
    } finally {
      await unsubscribe();
    }
  });

  it("lets a room admin delete another user's message", async () => {
    const room = uniqueRoom('private');
    const admin = apps[0].get(RoomAdministration);
    await admin.putRoom(room, { access: 'private' });
    await admin.putMember(room, 'ann', 'admin');
    await admin.putMember(room, 'ben', 'member');
    const sent = await send(room, 'ben', 'oops');
    await expect(call(1, 'DELETE', `/rooms/${room}/messages/${sent.id}`, 'ann')).resolves.toEqual({
      status: 204,
      body: null,
    });
    const page = await call(0, 'GET', `/rooms/${room}/messages`, 'ben');
    expect(page.body?.messages).toMatchObject([{ id: sent.id, deleted: true }]);
  });

  it('refuses every bad change with its code, storing nothing', async () => {
    const room = uniqueRoom();
    const sent = await send(room, 'ada', 'mine');
    const path = `/rooms/${room}/messages/${sent.id}`;
    const edit = (text: unknown) => JSON.stringify({ text });
    const locked = uniqueRoom('private');
    await apps[0].get(RoomAdministration).putRoom(locked, { access: 'private' });

    const refusals: [Promise<{ status: number; body: Json | null }>, number, string][] = [
      [call(0, 'PATCH', path, 'bob', edit('theirs')), 403, 'forbidden'],
      [call(0, 'DELETE', path, 'bob'), 403, 'forbidden'],
      [
        call(0, 'PATCH', `/rooms/${room}/messages/123456789012`, 'ada', edit('x')),
        404,
        'not_found',
      ],
      [call(0, 'DELETE', `/rooms/${room}/messages/123456789012`, 'ada'), 404, 'not_found'],
      [call(0, 'DELETE', `/rooms/${room}/messages/abc`, 'ada'), 404, 'not_found'],
      [call(0, 'DELETE', `/rooms/${uniqueRoom()}/messages/${sent.id}`, 'ada'), 404, 'not_found'],
      [call(0, 'PATCH', path, 'ada', edit('x'.repeat(4001))), 400, 'too_long'],
      [call(0, 'PATCH', path, 'ada', edit('bad\u0007')), 400, 'invalid_message'],
      [call(0, 'PATCH', path, 'ada', edit(7)), 400, 'invalid_message'],
      [
        call(0, 'PATCH', path, 'ada', JSON.stringify({ text: 'x', extra: 1 })),
        400,
        'invalid_message',
      ],
      [call(0, 'PATCH', path, null, edit('x')), 401, 'unauthorized'],
      [call(0, 'DELETE', path, null), 401, 'unauthorized'],
      [call(0, 'DELETE', `/rooms/bad%20room/messages/${sent.id}`, 'ada'), 400, 'invalid_parameter'],
      [call(0, 'DELETE', `/rooms/${locked}/messages/${sent.id}`, 'ada'), 403, 'forbidden'],
      [
        call(0, 'PATCH', `/rooms/${locked}/messages/${sent.id}`, 'ada', edit('x')),
        403,
        'forbidden',
      ],
    ];
    for (const [response, status, code] of refusals) {
      await expect(response).resolves.toMatchObject({ status, body: { code } });
    }
    expect(await storedRows(room)).toBe(1);

    // An edit of a deleted message finds nothing to edit.
    await call(0, 'DELETE', path, 'ada');
    await expect(call(0, 'PATCH', path, 'ada', edit('back'))).resolves.toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
    expect(await storedRows(room)).toBe(2);
  });

  it('describes PATCH and DELETE in OpenAPI with the schemas the server validates and answers with', async () => {
    const document = (await (await fetch(`${bases[0]}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: unknown }> };
            responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
          }
        >
      >;
    };
    const path = document.paths['/rooms/{room}/messages/{id}'];
    expect(Object.keys(path).sort()).toEqual(['delete', 'patch']);
    expect(path.patch.requestBody?.content['application/json'].schema).toEqual(
      openApiSchema(editMessageBody),
    );
    expect(path.patch.responses['200'].content?.['application/json'].schema).toEqual(
      openApiSchema(messageEditedSchema),
    );
    expect(Object.keys(path.patch.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '429']),
    );
    expect(Object.keys(path.delete.responses)).toEqual(
      expect.arrayContaining(['204', '401', '403', '404', '429']),
    );
  });
});
