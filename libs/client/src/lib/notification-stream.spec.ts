import { Notification } from '@switchboard/protocol';
import {
  listen,
  signTestToken,
  TEST_SERVICE_API_KEY,
  testConfig,
  waitFor,
} from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { createNotificationsApp } from '../../../../apps/notifications/src/app/notifications-app.module';
import { NotificationStreamError, SwitchboardNotifications } from './notification-stream';
import { ServerSentEvent, ServerSentEventParser } from './notification-stream-parser';

describe('ServerSentEventParser', () => {
  function parse(chunks: string[]): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    const parser = new ServerSentEventParser((event) => events.push(event));
    for (const chunk of chunks) parser.push(chunk);
    return events;
  }

  it('dispatches at a blank line, with id, event and data, whatever the chunks and line ends', () => {
    const stream = 'retry: 1000\n\n: keep-alive\n\nid: 7\nevent: notification\ndata: {"a":1}\n\n';
    const expected = [{ id: '7', event: 'notification', data: '{"a":1}' }];
    expect(parse([stream])).toEqual(expected);
    expect(parse([...stream])).toEqual(expected);
    expect(parse([stream.replace(/\n/g, '\r\n')])).toEqual(expected);
    expect(parse([...stream.replace(/\n/g, '\r\n')])).toEqual(expected);
    expect(parse([...stream.replace(/\n/g, '\r')])).toEqual(expected);
  });

  it('joins data lines, defaults the event to message and waits for the blank line', () => {
    expect(parse(['data: one\ndata:two\n'])).toEqual([]);
    expect(parse(['data: one\ndata:two\n\n'])).toEqual([
      { id: undefined, event: 'message', data: 'one\ntwo' },
    ]);
  });
});

// The SDK's notification stream against a real notifications service, as a Node 20 app uses it.
describe('SwitchboardNotifications against the notifications service', () => {
  let app: Awaited<ReturnType<typeof createNotificationsApp>>;
  let base: string;
  const streams: SwitchboardNotifications[] = [];

  beforeAll(async () => {
    app = await createNotificationsApp(testConfig('notifications'));
    base = (await listen(app)).http;
  });

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  afterAll(async () => {
    await app.close();
  });

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;

  async function publish(userId: string, title: string): Promise<string> {
    const response = await fetch(`${base}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
      body: JSON.stringify({ userIds: [userId], type: 'test', title, body: title, data: null }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { ids: string[] }).ids[0];
  }

  /**
   * A stream whose connection the test can cut as a network failure would; `cut` holds the
   * reconnection back (its token) until `resume`.
   */
  function stream(userId: string, token = () => signTestToken(userId), idleTimeoutMs?: number) {
    let away: Promise<void> = Promise.resolve();
    let resume = () => undefined as void;
    let current: AbortController | undefined;
    const tokens: string[] = [];
    const sdk = new SwitchboardNotifications({
      url: base,
      token: async () => {
        await away;
        const issued = token();
        tokens.push(issued);
        return issued;
      },
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
      ...(idleTimeoutMs ? { idleTimeoutMs } : {}),
      fetch: (input, init) => {
        const connection = new AbortController();
        init?.signal?.addEventListener('abort', () => connection.abort());
        if ((input instanceof Request ? input.url : input.toString()).endsWith('/stream'))
          current = connection;
        return fetch(input, { ...init, signal: connection.signal });
      },
    });
    const received: Notification[] = [];
    const states: string[] = [];
    const errors: NotificationStreamError[] = [];
    sdk.on('notification', (notification) => received.push(notification));
    sdk.on('state', (state) => states.push(state));
    sdk.on('error', (error) => errors.push(error));
    streams.push(sdk);
    const cut = () => {
      away = new Promise((resolve) => (resume = resolve));
      current?.abort();
    };
    return { sdk, received, states, errors, tokens, cut, resume: () => resume() };
  }

  it('delivers notifications live, with the token in Authorization', async () => {
    const userId = newUser();
    const { sdk, received } = stream(userId);
    await sdk.connect();
    const id = await publish(userId, 'hello');
    await waitFor(() => received.length === 1, 'received.length === 1');
    expect(received[0]).toMatchObject({ id, userId, title: 'hello' });
    expect(sdk.lastEventId).toBe(id);
  });

  it('resumes after a cut with Last-Event-ID: what was published meanwhile arrives once, in order', async () => {
    const userId = newUser();
    const { sdk, received, states, cut, resume } = stream(userId);
    await sdk.connect();
    const first = await publish(userId, 'before');
    await waitFor(() => received.length === 1, 'received.length === 1');
    cut();
    await waitFor(() => states.at(-1) === 'reconnecting', "states.at(-1) === 'reconnecting'");
    const meanwhile = [await publish(userId, 'away 1'), await publish(userId, 'away 2')];
    resume();
    await waitFor(() => received.length >= 3, 'received.length >= 3');
    const after = await publish(userId, 'after');
    await waitFor(() => received.length >= 4, 'received.length >= 4');
    expect(received.map((notification) => notification.id)).toEqual([first, ...meanwhile, after]);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it('a stream silent for idleTimeoutMs is taken for dead and reopened, resuming where it was', async () => {
    const userId = newUser();
    // The service's keep-alive comes every 15 s: with 300 ms of patience, every stream looks dead.
    const { sdk, received, states } = stream(userId, () => signTestToken(userId), 300);
    // From a known id, so a notification published during a reopening is replayed, not missed.
    await sdk.connect(await publish(userId, 'already seen'));
    const first = await publish(userId, 'one');
    await waitFor(
      () => states.filter((state) => state === 'open').length >= 2,
      () => `reopened after silence: ${states.join(' ')}`,
    );
    expect(states.slice(0, 3)).toEqual(['connecting', 'open', 'reconnecting']);
    const second = await publish(userId, 'two');
    await waitFor(() => received.length >= 2, 'received.length >= 2');
    expect(received.map((notification) => notification.id)).toEqual([first, second]);
  });

  it('connect(after) replays every notification after that id first', async () => {
    const userId = newUser();
    const ids = [await publish(userId, 'one'), await publish(userId, 'two')];
    const { sdk, received } = stream(userId);
    await sdk.connect(ids[0]);
    await waitFor(() => received.length === 1, 'received.length === 1');
    expect(received.map((notification) => notification.id)).toEqual([ids[1]]);
  });

  it('a refused token is asked for again once; refused twice, connect rejects and the stream closes', async () => {
    const userId = newUser();
    const { sdk, errors, tokens, states } = stream(userId, () =>
      signTestToken(userId, userId, { secret: 'not-the-service-secret-0123456789' }),
    );
    await expect(sdk.connect()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(tokens).toHaveLength(2);
    expect(errors.map((error) => error.status)).toEqual([401, 401]);
    expect(states.at(-1)).toBe('closed');
    expect(sdk.connectionState).toBe('closed');
  });

  it('a token refused once and then accepted opens the stream', async () => {
    const userId = newUser();
    let calls = 0;
    const { sdk, errors } = stream(userId, () =>
      calls++ === 0 ? 'not a token' : signTestToken(userId),
    );
    await sdk.connect();
    expect(errors.map((error) => error.status)).toEqual([401]);
    expect(sdk.connectionState).toBe('open');
  });

  it('reads and moves the read state, and tells the user’s other streams', async () => {
    const userId = newUser();
    const { sdk } = stream(userId);
    const other = stream(userId);
    const reads: unknown[] = [];
    other.sdk.on('read', (state) => reads.push(state));
    await Promise.all([sdk.connect(), other.sdk.connect()]);
    const ids = [await publish(userId, 'one'), await publish(userId, 'two')];
    expect(await sdk.unread()).toEqual({ unread: 2, lastReadId: '0' });
    expect(await sdk.list({ after: ids[0] })).toMatchObject({
      notifications: [{ id: ids[1] }],
      hasMore: false,
    });
    expect(await sdk.markRead(ids[0])).toEqual({ unread: 1, lastReadId: ids[0] });
    await waitFor(() => reads.length === 1, 'reads.length === 1');
    expect(reads).toEqual([{ unread: 1, lastReadId: ids[0] }]);
  });

  it('a refused HTTP call rejects with the status and the error code', async () => {
    const { sdk } = stream(newUser());
    await expect(sdk.list({ limit: 0 })).rejects.toMatchObject({
      status: 400,
      code: expect.any(String),
    });
  });
});
