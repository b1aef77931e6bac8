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
import { createGatewayApp } from '../app/gateway-app.module';

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

  it.each([
    ['no token', {}],
    ['a malformed token', bearer('not.a.jwt')],
    [
      'a token signed with another secret',
      bearer(signTestToken('u1', 'U', { secret: 'some-other-secret-0123456789' })),
    ],
    ['an expired token', bearer(jwt.sign({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 }))],
    ['a token without sub', bearer(jwt.sign({ name: 'nobody' }))],
    ['a non-Bearer scheme', { Authorization: `Basic ${signTestToken('u1')}` }],
  ])('refuses %s with 401 and no upgrade', async (_label, headers: Record<string, string>) => {
    await expect(WsTestClient.refusal(url, headers)).resolves.toBe(401);
  });

  it('refuses an origin outside ALLOWED_ORIGINS with 403, even with a valid token', async () => {
    await expect(
      WsTestClient.refusal(url, { ...bearer(signTestToken('u1')), Origin: 'https://evil.example' }),
    ).resolves.toBe(403);
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
});
