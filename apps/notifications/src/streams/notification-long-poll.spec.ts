import { INestApplication } from '@nestjs/common';
import { Notification } from '@switchboard/protocol';
import {
  listen,
  signTestToken,
  TEST_SERVICE_API_KEY,
  testConfig,
  waitFor,
} from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { createNotificationsApp } from '../app/notifications-app.module';

interface Answer {
  status: number;
  headers: Headers;
  body: { notifications?: Notification[] } & Record<string, unknown>;
}

const newUser = () => `user-${randomBytes(5).toString('hex')}`;

async function list(
  base: string,
  userId: string,
  query: string,
  signal?: AbortSignal,
): Promise<Answer> {
  const response = await fetch(`${base}/notifications?${query}`, {
    headers: { Authorization: `Bearer ${signTestToken(userId)}` },
    signal,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer['body'],
  };
}

async function publish(base: string, userIds: string[], title: string): Promise<string[]> {
  const response = await fetch(`${base}/notifications`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
    body: JSON.stringify({ userIds, type: 'test', title, body: `body of ${title}` }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { ids: string[] }).ids;
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

const titles = (answer: Answer) =>
  (answer.body.notifications ?? []).map((notification) => notification.title);

// Two notification instances on one Redis and database: a poll held on one is answered by a publish on the other.
describe('long polling GET /notifications', () => {
  let apps: INestApplication[];
  let bases: string[];

  beforeAll(async () => {
    apps = await Promise.all(
      [0, 1].map(() =>
        createNotificationsApp(testConfig('notifications'), {}, { shutdownHooks: false }),
      ),
    );
    bases = await Promise.all(apps.map(async (app) => (await listen(app)).http));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it("holds a poll with nothing after the cursor and answers it with the user's next notification, published on another instance", async () => {
    const [user, other] = [newUser(), newUser()];
    const [firstId] = await publish(bases[1], [user], 'seen');
    const poll = list(bases[0], user, `after=${firstId}&wait=30`);
    await holding(bases[0], 1);
    await publish(bases[1], [other], 'for someone else');
    await publish(bases[1], [other, user], 'new');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(titles(answer)).toEqual(['new']);
    expect(answer.body.hasMore).toBe(false);
    await holding(bases[0], 0);
  });

  it('answers at once when the cursor is already behind', async () => {
    const user = newUser();
    await publish(bases[0], [user], 'one');
    await publish(bases[0], [user], 'two');
    const answer = await list(bases[0], user, 'wait=30');
    expect(titles(answer)).toEqual(['one', 'two']);
    expect(await held(bases[0])).toBe(0);
  });

  it('answers 200 with an empty page when nothing arrives within wait', async () => {
    const answer = await list(bases[0], newUser(), 'after=0&wait=1');
    expect(answer).toMatchObject({ status: 200, body: { notifications: [], hasMore: false } });
  });

  it('frees the waiter of a client that goes away', async () => {
    const abort = new AbortController();
    const poll = list(bases[0], newUser(), 'wait=30', abort.signal);
    await holding(bases[0], 1);
    abort.abort();
    await expect(poll).rejects.toThrow();
    await holding(bases[0], 0);
  });

  it('describes wait and the 503 in OpenAPI', async () => {
    const document = (await (await fetch(`${bases[0]}/docs-json`)).json()) as {
      paths: Record<
        string,
        { get: { parameters: { name: string }[]; responses: Record<string, unknown> } }
      >;
    };
    const operation = document.paths['/notifications'].get;
    expect(operation.parameters.map((parameter) => parameter.name)).toContain('wait');
    expect(operation.responses['503']).toBeDefined();
  });

  it.each(['wait=31', 'wait=-1', 'wait=2.5', 'wait=later'])(
    'answers 400 naming wait for %s',
    async (query) => {
      const answer = await list(bases[0], newUser(), query);
      expect(answer).toMatchObject({
        status: 400,
        body: { statusCode: 400, code: 'invalid_parameter', parameter: 'wait' },
      });
    },
  );

  it('answers 401 to a poll without a token, holding nothing', async () => {
    const response = await fetch(`${bases[0]}/notifications?wait=30`);
    expect(response.status).toBe(401);
    expect(await held(bases[0])).toBe(0);
  });
});

describe('long polling GET /notifications: the bound per instance and shutdown', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createNotificationsApp(
      testConfig('notifications', { LONG_POLL_MAX_WAITERS: '1' }),
      {},
      { shutdownHooks: false },
    );
    base = (await listen(app)).http;
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses a poll beyond LONG_POLL_MAX_WAITERS with 503 and Retry-After', async () => {
    const abort = new AbortController();
    const poll = list(base, newUser(), 'wait=30', abort.signal);
    await holding(base, 1);
    const refused = await list(base, newUser(), 'wait=30');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({
      statusCode: 503,
      code: 'unavailable',
      retryAfterMs: 1000,
    });
    abort.abort();
    await expect(poll).rejects.toThrow();
    await holding(base, 0);
  });

  it('answers a held poll at once with what there is when the instance shuts down', async () => {
    const poll = list(base, newUser(), 'wait=30');
    await holding(base, 1);
    await app.close();
    const answer = await poll;
    expect(answer).toMatchObject({ status: 200, body: { notifications: [], hasMore: false } });
    expect(answer.headers.get('connection')).toBe('close');
  });
});
