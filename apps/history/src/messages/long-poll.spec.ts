import { INestApplication } from '@nestjs/common';
import { ChatMessageService } from '@switchboard/messaging';
import { ChatMessage, MessageEditedFrame } from '@switchboard/protocol';
import {
  listen,
  signTestToken,
  TEST_SERVICE_API_KEY,
  testConfig,
  uniqueRoom,
  waitFor,
} from '@switchboard/testing';
import { createHistoryApp } from '../app/history-app.module';

interface Answer {
  status: number;
  headers: Headers;
  body: { messages?: ChatMessage[]; events?: MessageEditedFrame[]; code?: string } & Record<
    string,
    unknown
  >;
}

const bearer = (userId: string) => ({ Authorization: `Bearer ${signTestToken(userId)}` });

async function get(
  base: string,
  path: string,
  userId = 'poller',
  signal?: AbortSignal,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { headers: bearer(userId), signal });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer['body'],
  };
}

async function send(base: string, room: string, text: string, userId = 'sender') {
  const response = await fetch(`${base}/rooms/${room}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(userId) },
    body: JSON.stringify({ text }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as ChatMessage;
}

/** The instance's gauge of held long-poll requests, as Prometheus scrapes it. */
async function held(base: string): Promise<number> {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const line = /^switchboard_long_polls_held (\d+)$/m.exec(metrics);
  if (!line) throw new Error('no switchboard_long_polls_held in /metrics');
  return Number(line[1]);
}

async function holding(base: string, count: number): Promise<void> {
  await waitFor(async () => (await held(base)) === count, `${count} held on ${base}`);
}

const texts = (answer: Answer) => (answer.body.messages ?? []).map((message) => message.text);

// Two history instances on one Redis and database: a poll held on one is answered by a send on the other.
describe('long polling GET /rooms/:room/messages', () => {
  let apps: INestApplication[];
  let bases: string[];

  beforeAll(async () => {
    apps = await Promise.all(
      [0, 1].map(() => createHistoryApp(testConfig('history'), {}, { shutdownHooks: false })),
    );
    bases = await Promise.all(apps.map(async (app) => (await listen(app)).http));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('holds a poll with nothing after the cursor and answers it with a message sent over the WebSocket path', async () => {
    const room = uniqueRoom();
    const first = await send(bases[1], room, 'before');
    const poll = get(bases[0], `/rooms/${room}/messages?after=${first.seq}&wait=30`);
    await holding(bases[0], 1);

    // What a gateway runs for a `send` frame, on another instance: stored, then published on the bus.
    await apps[1]
      .get(ChatMessageService)
      .send({ id: 'ws-user', name: 'WS user' }, { room, text: 'over ws', clientMsgId: null });
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ hasMore: false });
    expect(texts(answer)).toEqual(['over ws']);
    expect(answer.body.messages?.[0]).toMatchObject({ seq: first.seq + 1, room });
    await holding(bases[0], 0);
  });

  it('answers a held poll with a message sent over HTTP to another instance', async () => {
    const room = uniqueRoom();
    const poll = get(bases[0], `/rooms/${room}/messages?after=0&wait=30`);
    await holding(bases[0], 1);
    await send(bases[1], room, 'over http');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(texts(answer)).toEqual(['over http']);
  });

  it('answers a held poll with an edit past the cursor, as an event', async () => {
    const room = uniqueRoom();
    const message = await send(bases[0], room, 'first draft');
    const poll = get(bases[0], `/rooms/${room}/messages?after=${message.seq}&wait=30`);
    await holding(bases[0], 1);
    const edited = await fetch(`${bases[1]}/rooms/${room}/messages/${message.id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', ...bearer('sender') },
      body: JSON.stringify({ text: 'final' }),
    });
    expect(edited.status).toBe(200);
    const answer = await poll;
    expect(answer.body.events).toEqual([
      expect.objectContaining({ type: 'message_edited', id: message.id, text: 'final' }),
    ]);
  });

  it('answers at once when the cursor is already behind', async () => {
    const room = uniqueRoom();
    await send(bases[0], room, 'one');
    await send(bases[0], room, 'two');
    const answer = await get(bases[0], `/rooms/${room}/messages?after=0&wait=30`);
    expect(answer.status).toBe(200);
    expect(texts(answer)).toEqual(['one', 'two']);
    expect(await held(bases[0])).toBe(0);
  });

  it('answers 200 with an empty page when nothing arrives within wait', async () => {
    const room = uniqueRoom();
    await send(bases[0], room, 'old');
    const answer = await get(bases[0], `/rooms/${room}/messages?after=1&wait=1`);
    expect(answer).toMatchObject({
      status: 200,
      body: { messages: [], events: [], hasMore: false },
    });
  });

  it('frees the waiter of a client that goes away', async () => {
    const room = uniqueRoom();
    const abort = new AbortController();
    const poll = get(bases[0], `/rooms/${room}/messages?after=0&wait=30`, 'poller', abort.signal);
    await holding(bases[0], 1);
    abort.abort();
    await expect(poll).rejects.toThrow();
    await holding(bases[0], 0);
  });

  it('checks access like a short poll, at once', async () => {
    const room = uniqueRoom('private');
    const created = await fetch(`${bases[0]}/rooms/${room}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
      body: JSON.stringify({ access: 'private' }),
    });
    expect(created.status).toBe(201);
    const refused = await get(bases[0], `/rooms/${room}/messages?after=0&wait=30`, 'outsider');
    expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const unauthenticated = await fetch(`${bases[0]}/rooms/${room}/messages?after=0&wait=30`);
    expect(unauthenticated.status).toBe(401);
    expect(await held(bases[0])).toBe(0);
  });

  it('refuses a held poll of a member removed from a private room while it waited', async () => {
    const room = uniqueRoom('private');
    const asService = (method: string, path: string, body?: unknown) =>
      fetch(`${bases[0]}/rooms/${room}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await asService('PUT', '', { access: 'private' })).status).toBe(201);
    for (const member of ['leaver', 'sender'])
      expect((await asService('PUT', `/members/${member}`, {})).status).toBe(201);
    const poll = get(bases[0], `/rooms/${room}/messages?after=0&wait=30`, 'leaver');
    await holding(bases[0], 1);
    expect((await asService('DELETE', '/members/leaver')).status).toBe(204);
    await send(bases[1], room, 'after leaving');
    expect(await poll).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });

  it('describes wait and the 503 in OpenAPI', async () => {
    const document = (await (await fetch(`${bases[0]}/docs-json`)).json()) as {
      paths: Record<
        string,
        { get: { parameters: { name: string }[]; responses: Record<string, unknown> } }
      >;
    };
    const operation = document.paths['/rooms/{room}/messages'].get;
    expect(operation.parameters.map((parameter) => parameter.name)).toContain('wait');
    expect(operation.responses['503']).toBeDefined();
  });

  it.each([
    ['wait=31&after=0', 'wait'],
    ['wait=-1&after=0', 'wait'],
    ['wait=1.5&after=0', 'wait'],
    ['wait=soon&after=0', 'wait'],
    ['wait=5', 'wait'],
    ['wait=5&after=3&before=9', 'wait'],
  ])('answers 400 naming the parameter for %s', async (query, parameter) => {
    const answer = await get(bases[0], `/rooms/${uniqueRoom()}/messages?${query}`);
    expect(answer).toMatchObject({
      status: 400,
      body: { statusCode: 400, code: 'invalid_parameter', parameter },
    });
  });

  it('answers at once, as a short poll, with wait=0', async () => {
    const answer = await get(bases[0], `/rooms/${uniqueRoom()}/messages?after=0&wait=0`);
    expect(answer).toMatchObject({ status: 200, body: { messages: [], hasMore: false } });
  });
});

describe('long polling: the bound per instance and shutdown', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createHistoryApp(
      testConfig('history', { LONG_POLL_MAX_WAITERS: '2' }),
      {},
      { shutdownHooks: false },
    );
    base = (await listen(app)).http;
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses a poll beyond LONG_POLL_MAX_WAITERS with 503, Retry-After and the usual error body; short polls still answer', async () => {
    const room = uniqueRoom();
    const abort = new AbortController();
    const polls = [0, 1].map((n) =>
      get(base, `/rooms/${room}/messages?after=0&wait=30`, `p${n}`, abort.signal),
    );
    await holding(base, 2);
    const refused = await get(base, `/rooms/${room}/messages?after=0&wait=30`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({
      statusCode: 503,
      code: 'unavailable',
      message: expect.stringContaining('2 long-poll requests') as string,
      retryAfterMs: 1000,
    });
    expect((await get(base, `/rooms/${room}/messages?after=0`)).status).toBe(200);
    abort.abort();
    await Promise.allSettled(polls);
    await holding(base, 0);
  });

  it('answers every held poll at once with what there is when the instance shuts down', async () => {
    const room = uniqueRoom();
    const polls = [0, 1].map((n) => get(base, `/rooms/${room}/messages?after=0&wait=30`, `p${n}`));
    await holding(base, 2);
    await app.close();
    const answers = await Promise.all(polls);
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, body: { messages: [], hasMore: false } });
      // The connection closes with the answer, so the server is not held open by idle keep-alives.
      expect(answer.headers.get('connection')).toBe('close');
    }
  });
});
