import { INestApplication } from '@nestjs/common';
import {
  ConnectionState,
  SwitchboardClient,
  SwitchboardClientOptions,
  SwitchboardError,
} from '@switchboard/client';
import { ChatMessage } from '@switchboard/protocol';
import { listen, signTestToken, testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { createGatewayApp } from '../app/gateway-app.module';
import { GatewayProxy } from './testing/gateway-proxy';

// The SDK's connection as a Node 20 application uses it: no createSocket (the SDK loads `ws`),
// refused handshakes, and a connection that goes silent.
describe('@switchboard/client connection against the gateway', () => {
  let app: INestApplication;
  let url: string;
  const clients: SwitchboardClient[] = [];
  const proxies: GatewayProxy[] = [];

  function client(
    options: Partial<SwitchboardClientOptions> & Pick<SwitchboardClientOptions, 'token'>,
  ) {
    const sdk = new SwitchboardClient({
      url,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      ...options,
    });
    clients.push(sdk);
    const states: ConnectionState[] = [];
    const errors: SwitchboardError[] = [];
    const received: ChatMessage[] = [];
    sdk.on('state', (state) => states.push(state));
    sdk.on('error', (error) => errors.push(error));
    sdk.on('message', (message) => received.push(message));
    return { sdk, states, errors, received };
  }

  beforeAll(async () => {
    app = await createGatewayApp(testConfig('gateway'), {}, { shutdownHooks: false });
    url = (await listen(app)).ws;
  });

  afterEach(async () => {
    for (const sdk of clients.splice(0)) sdk.close();
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  afterAll(async () => {
    await app.close();
  });

  it('connects without createSocket, joins, sends and receives (ws when there is no global WebSocket)', async () => {
    const room = uniqueRoom();
    const alice = client({ token: () => signTestToken('alice') });
    const bob = client({ token: () => signTestToken('bob') });
    await Promise.all([alice.sdk.connect(), bob.sdk.connect()]);
    await Promise.all([alice.sdk.join(room), bob.sdk.join(room)]);

    const ack = await alice.sdk.send(room, 'hello from Node');
    await waitFor(() => bob.received.length === 1, 'bob received the message');
    expect(bob.received[0]).toMatchObject({ seq: ack.seq, text: 'hello from Node' });
  });

  it('with a bad token: an error event with 4401, token() called once more, then connect() rejects and it stays closed', async () => {
    const token = jest.fn(() => 'not.a.jwt');
    const refused = client({ token });

    const connecting = refused.sdk.connect();
    await expect(connecting).rejects.toMatchObject({ code: 'unauthorized', closeCode: 4401 });
    expect(refused.errors.map((error) => [error.code, error.closeCode])).toEqual([
      ['unauthorized', 4401],
      ['unauthorized', 4401],
    ]);
    expect(token).toHaveBeenCalledTimes(2);
    expect(refused.states).toEqual(['connecting', 'closed']);
    // Stopped: a healthy client connects and is answered meanwhile, the refused one never retries.
    await client({ token: () => signTestToken('carol') }).sdk.connect();
    expect(token).toHaveBeenCalledTimes(2);
  });

  it('with an expired token, retries once with the token() it returns next and connects', async () => {
    const expired = signTestToken('dave', 'Dave', { expiresIn: -60 });
    const tokens = [expired, signTestToken('dave')];
    const refreshed = client({ token: () => tokens.shift() ?? 'exhausted' });

    await refreshed.sdk.connect();
    expect(refreshed.errors).toEqual([
      expect.objectContaining({ code: 'unauthorized', closeCode: 4401 }),
    ]);
    expect(refreshed.states).toEqual(['connecting', 'open']);
    await expect(refreshed.sdk.join(uniqueRoom())).resolves.toMatchObject({ messages: [] });
  });

  it('takes a connection that carries nothing any more for dead, reconnects, and misses nothing', async () => {
    const proxy = await GatewayProxy.start(url);
    proxies.push(proxy);
    const room = uniqueRoom();
    const sender = client({ token: () => signTestToken('frank') });
    // Through the proxy, whose connection the test can make go silent.
    const silent = new SwitchboardClient({
      url: proxy.url,
      token: () => signTestToken('erin'),
      heartbeatMs: 300,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    clients.push(silent);
    const states: ConnectionState[] = [];
    const received: number[] = [];
    silent.on('state', (state) => states.push(state));
    silent.on('message', (message) => received.push(message.seq));
    await Promise.all([silent.connect(), sender.sdk.connect()]);
    await Promise.all([silent.join(room), sender.sdk.join(room)]);
    const first = await sender.sdk.send(room, 'before');
    await waitFor(() => received.length === 1, 'the first message arrived');

    proxy.stall();
    const during = await sender.sdk.send(room, 'while silent');
    await waitFor(() => states.includes('reconnecting'), 'the silent connection was dropped');
    await waitFor(() => states.at(-1) === 'open', 'reconnected');
    const after = await sender.sdk.send(room, 'after');
    await waitFor(
      () => received.length === 3,
      () => `received ${JSON.stringify(received)}`,
    );
    expect(received).toEqual([first.seq, during.seq, after.seq]);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });
});
