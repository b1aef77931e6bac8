import { INestApplication } from '@nestjs/common';
import {
  SwitchboardClient,
  SwitchboardError,
  TYPING_REPEAT_MS,
  WebSocketLike,
} from '@switchboard/client';
import { ClientFrame, UserRef } from '@switchboard/protocol';
import { listen, signTestToken, testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

// The client SDK's typing: throttled on the way out, events on the way in, replies matched in order.
describe('@switchboard/client typing against two gateways', () => {
  let apps: INestApplication[];
  let urls: string[];
  const clients: SwitchboardClient[] = [];

  /** A connected client that records the frames it sends and the typing events it receives. */
  async function client(instance: number, userId: string) {
    const sent: ClientFrame[] = [];
    const events: string[] = [];
    const sdk = new SwitchboardClient({
      url: urls[instance],
      token: () => signTestToken(userId),
      createSocket: (url) => {
        const socket = new WebSocket(url);
        const send = socket.send.bind(socket);
        socket.send = ((data: string) => {
          sent.push(JSON.parse(data) as ClientFrame);
          send(data);
        }) as typeof socket.send;
        return socket as unknown as WebSocketLike;
      },
    });
    const record = (what: string) => (room: string, user: UserRef) =>
      events.push(`${what} ${room} ${user.id}`);
    sdk.on('typing', record('typing'));
    sdk.on('typingStopped', record('stopped'));
    clients.push(sdk);
    await sdk.connect();
    const typingFrames = () => sent.filter((frame) => frame.type === 'typing').length;
    return { sdk, events, typingFrames };
  }

  beforeAll(async () => {
    const config = testConfig('gateway', { TYPING_TIMEOUT_MS: '3600000' });
    apps = await Promise.all(
      [0, 1].map(() => createGatewayApp(config, {}, { shutdownHooks: false })),
    );
    urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    for (const sdk of clients.splice(0)) sdk.close();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('sends one typing frame per 2 s however often it is called, and reports starts and stops once', async () => {
    const room = uniqueRoom();
    const alice = await client(0, `alice-${room}`);
    const bob = await client(1, `bob-${room}`);
    await alice.sdk.join(room);
    await bob.sdk.join(room);

    await Promise.all([alice.sdk.typing(room), alice.sdk.typing(room), alice.sdk.typing(room)]);
    expect(alice.typingFrames()).toBe(1);
    // Replies stay matched to requests: the typing reply did not answer the ping.
    expect(await alice.sdk.ping()).toBeGreaterThan(0);
    await waitFor(
      () => bob.events.length === 1,
      () => `bob saw ${bob.events.join(', ')}`,
    );
    expect(bob.events).toEqual([`typing ${room} alice-${room}`]);

    // A send ends the typing on the server, and the next keystroke goes out at once.
    await alice.sdk.send(room, 'hi');
    await waitFor(
      () => bob.events.length === 2,
      () => `bob saw ${bob.events.join(', ')}`,
    );
    await alice.sdk.typing(room);
    expect(alice.typingFrames()).toBe(2);
    await alice.sdk.stopTyping(room);
    await waitFor(
      () => bob.events.length === 4,
      () => `bob saw ${bob.events.join(', ')}`,
    );
    expect(bob.events).toEqual([
      `typing ${room} alice-${room}`,
      `stopped ${room} alice-${room}`,
      `typing ${room} alice-${room}`,
      `stopped ${room} alice-${room}`,
    ]);
    expect(alice.events).toEqual([]);

    // Two seconds later a repeat goes out again.
    await alice.sdk.typing(room);
    const later = Date.now() + TYPING_REPEAT_MS;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    await alice.sdk.typing(room);
    expect(alice.typingFrames()).toBe(4);
  });

  it('rejects typing in a room it has not joined, and tries again on the next call', async () => {
    const room = uniqueRoom();
    const alice = await client(0, `alice-${room}`);
    await expect(alice.sdk.typing(room)).rejects.toEqual(
      expect.objectContaining<Partial<SwitchboardError>>({ code: 'not_joined' }),
    );
    await alice.sdk.join(room);
    await alice.sdk.typing(room);
    expect(alice.typingFrames()).toBe(2);
  });
});
