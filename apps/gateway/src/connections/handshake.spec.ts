import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import {
  listen,
  signTestToken,
  TEST_JWT_SECRET,
  testConfig,
  uniqueRoom,
  WsTestClient,
} from '@switchboard/testing';
import { once } from 'node:events';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

const DEADLINE_MS = 10_000;

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A client that opens a new socket as soon as its last one closes or is refused, as SDKs do within
 * milliseconds of a 1001, until stopped. Counts the upgrades the server accepted.
 */
function reconnectingClient(
  url: string,
  token: string,
): { accepted: () => number; stop: () => void } {
  let accepted = 0;
  let stopped = false;
  let socket: WebSocket | undefined;
  const open = (): void => {
    if (stopped) return;
    socket = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    socket.on('open', () => accepted++);
    socket.on('error', () => undefined);
    socket.on('close', () => setTimeout(open, 5));
  };
  open();
  return {
    accepted: () => accepted,
    stop: () => {
      stopped = true;
      socket?.terminate();
    },
  };
}

/** `work`, or a failure naming `what` if it has not settled within DEADLINE_MS. */
async function withinDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not within ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('gateway handshake', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await createGatewayApp(
      testConfig('gateway', { ALLOWED_ORIGINS: 'https://app.example' }),
      {},
      { shutdownHooks: false },
    );
    url = (await listen(app)).ws;
  });

  afterAll(async () => {
    await app.close();
  });

  const jwt = new JwtService({ secret: TEST_JWT_SECRET });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  /**
   * Opens a socket as a browser would and says how the server closed it: the code, the reason, and
   * the frames it answered to a join sent at once (none: a refused socket's frames are not handled).
   */
  async function refusedWith(headers: Record<string, string>) {
    const client = await WsTestClient.connect(url, { headers });
    client.send({ type: 'join', room: uniqueRoom() });
    const reason = new Promise<string>((resolve) =>
      client.socket.once('close', (_code, why: Buffer) => resolve(why.toString())),
    );
    const code = await client.waitClosed();
    return { code, reason: await reason, frames: client.frames };
  }

  it.each([
    ['no token', {}, 'missing token'],
    ['a malformed token', bearer('not.a.jwt'), 'invalid or expired token'],
    [
      'a token signed with another secret',
      bearer(signTestToken('u1', 'U', { secret: 'some-other-secret-0123456789' })),
      'invalid or expired token',
    ],
    [
      'an expired token',
      bearer(jwt.sign({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 })),
      'invalid or expired token',
    ],
    ['a token without sub', bearer(jwt.sign({ name: 'nobody' })), 'invalid or expired token'],
    [
      'a token whose sub holds NUL',
      bearer(jwt.sign({ sub: 'u\u00001' })),
      'invalid or expired token',
    ],
    [
      'a token whose sub is 256 characters',
      bearer(jwt.sign({ sub: 'u'.repeat(256) })),
      'invalid or expired token',
    ],
    [
      'a token whose name has a lone surrogate',
      bearer(jwt.sign({ sub: 'u1', name: 'A\ud800' })),
      'invalid or expired token',
    ],
    ['a non-Bearer scheme', { Authorization: `Basic ${signTestToken('u1')}` }, 'missing token'],
  ])(
    'upgrades %s only to close it with 4401, handling none of its frames',
    async (_label, headers: Record<string, string>, reason) => {
      await expect(refusedWith(headers)).resolves.toEqual({ code: 4401, reason, frames: [] });
    },
  );

  it('closes an origin outside ALLOWED_ORIGINS with 4403, even with a valid token', async () => {
    await expect(
      refusedWith({ ...bearer(signTestToken('u1')), Origin: 'https://evil.example' }),
    ).resolves.toEqual({ code: 4403, reason: 'origin not allowed', frames: [] });
  });

  it('accepts a listed origin, a client without Origin, and a token in access_token', async () => {
    const token = signTestToken('u1', 'User One');
    const clients = [
      await WsTestClient.connect(url, { token, headers: { Origin: 'https://app.example' } }),
      await WsTestClient.connect(url, { token }),
      await WsTestClient.connect(`${url}?access_token=${token}`),
    ];
    const room = uniqueRoom();
    for (const client of clients) {
      const joined = await client.request({ type: 'join', room }, 'joined');
      expect(joined.members).toEqual([{ id: 'u1', name: 'User One' }]);
    }
    await Promise.all(clients.map((client) => client.close()));
  });
});

describe('gateway shutdown', () => {
  it('closes every socket with 1001 and tells the other instances who left', async () => {
    const config = testConfig('gateway');
    const [leaving, staying] = await Promise.all(
      [0, 1].map(() => createGatewayApp(config, {}, { shutdownHooks: false })),
    );
    const [leavingUrl, stayingUrl] = (await Promise.all([listen(leaving), listen(staying)])).map(
      (url) => url.ws,
    );
    const room = uniqueRoom();
    const bob = await WsTestClient.connect(leavingUrl, { token: signTestToken('bob') });
    const alice = await WsTestClient.connect(stayingUrl, { token: signTestToken('alice') });
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    await alice.next('user_joined');

    await leaving.close();
    expect(await bob.waitClosed()).toBe(1001);
    await expect(alice.next('user_left')).resolves.toMatchObject({ user: { id: 'bob' } });
    await alice.close();
    await staying.close();
  });

  it('refuses upgrades with 503 and Retry-After once closing, and closes while a client keeps reconnecting', async () => {
    const app = await createGatewayApp(testConfig('gateway'), {}, { shutdownHooks: false });
    const { ws: url } = await listen(app);
    const token = signTestToken('persistent');
    const held = await WsTestClient.connect(url, { token });
    // An upgrade request half sent when shutdown begins, finished after it began.
    const late = connect(Number(new URL(url).port), '127.0.0.1');
    let lateResponse = '';
    late.on('data', (chunk: Buffer) => (lateResponse += chunk.toString()));
    let lateClosed = false;
    late.on('error', () => undefined);
    late.on('close', () => (lateClosed = true));
    await once(late, 'connect');
    late.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const reconnecting = reconnectingClient(url, token);
    await waitFor(() => reconnecting.accepted() > 0, 'the reconnecting client connected');

    const closing = app.close();
    expect(await held.waitClosed()).toBe(1001);
    late.write(
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\n` +
        `Authorization: Bearer ${token}\r\n\r\n`,
    );
    await waitFor(
      () => lateClosed || lateResponse.includes('\r\n\r\n'),
      'the late upgrade was answered',
    );
    expect(lateResponse).toMatch(/^HTTP\/1\.1 503 /);
    expect(lateResponse).toMatch(/\r\nRetry-After: 1\r\n/i);

    try {
      await withinDeadline(closing, 'app.close() while a client keeps reconnecting');
    } finally {
      reconnecting.stop();
      late.destroy();
    }
  });
});
