import { INestApplication } from '@nestjs/common';
import { SwitchboardClient, WebSocketLike } from '@switchboard/client';
import { ChatMessage, MessageNotificationData, Notification } from '@switchboard/protocol';
import { RoomAdministration } from '@switchboard/room-access';
import {
  listen,
  signTestToken,
  SseTestClient,
  testConfig,
  uniqueRoom,
  waitFor,
  WsTestClient,
} from '@switchboard/testing';
// The notification service in this process, as the specs of each app start their own; no runtime code crosses apps.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createNotificationsApp } from '../../../notifications/src/app/notifications-app.module';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

// What reaches members who are away, as deployed: two gateways and a notification service on one
// PostgreSQL and one Redis.
describe('offline delivery and unread frames, two gateways and the notification service', () => {
  const gatewayConfig = testConfig('gateway', {
    RATE_LIMIT_PER_SECOND: '100',
    RATE_LIMIT_BURST: '100',
  });
  let apps: INestApplication[];
  let urls: string[];
  let notificationsBase: string;
  let admin: RoomAdministration;
  const clients: WsTestClient[] = [];
  const streams: SseTestClient[] = [];
  const sdks: SwitchboardClient[] = [];
  let suffix: string;

  /** Users of this test only: `alice` is `alice-<suffix>`. */
  const id = (user: string) => `${user}-${suffix}`;
  const bearer = (user: string) => ({ Authorization: `Bearer ${signTestToken(id(user), user)}` });

  async function connect(instance: number, user: string): Promise<WsTestClient> {
    const client = await WsTestClient.connect(urls[instance], {
      token: signTestToken(id(user), user),
    });
    clients.push(client);
    return client;
  }

  async function notificationsOf(user: string): Promise<Notification[]> {
    const response = await fetch(`${notificationsBase}/notifications`, { headers: bearer(user) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { notifications: Notification[] }).notifications;
  }

  /** Waits until `asker` sees each user's online status as given (they share a room). */
  async function untilOnline(asker: WsTestClient, online: Record<string, boolean>): Promise<void> {
    const users = Object.keys(online).map(id);
    await waitFor(
      async () => {
        const reply = await asker.request({ type: 'presence', users }, 'presence');
        return reply.users.every((status) => online[status.id.split('-')[0]] === status.online);
      },
      `online status ${JSON.stringify(online)}`,
    );
  }

  /** A private room with these members. */
  async function privateRoom(...members: string[]): Promise<string> {
    const room = uniqueRoom('team');
    await admin.putRoom(room, { access: 'private', title: 'Team' });
    for (const member of members) await admin.putMember(room, id(member), 'member');
    return room;
  }

  beforeAll(async () => {
    apps = await Promise.all([
      createGatewayApp(gatewayConfig, {}, { shutdownHooks: false }),
      createGatewayApp(gatewayConfig, {}, { shutdownHooks: false }),
      createNotificationsApp(testConfig('notifications'), {}, { shutdownHooks: false }),
    ]);
    const addresses = await Promise.all(apps.map(listen));
    urls = addresses.slice(0, 2).map((address) => address.ws);
    notificationsBase = addresses[2].http;
    admin = apps[0].get(RoomAdministration);
  });

  beforeEach(() => {
    suffix = uniqueRoom('u');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    for (const stream of streams.splice(0)) stream.close();
    for (const sdk of sdks.splice(0)) sdk.close();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('notifies an offline direct-message recipient over SSE and in GET /notifications, and their inbox shows the room unread on connect', async () => {
    const stream = await SseTestClient.open(
      `${notificationsBase}/notifications/stream`,
      bearer('bob'),
    );
    streams.push(stream);
    const alice = await connect(0, 'alice');
    const { room } = await alice.request({ type: 'join_direct', user: id('bob') }, 'joined');
    const text = `${'é'.repeat(139)}🙂 and more after the preview`;
    const { seq, id: messageId } = await alice.request(
      { type: 'message', room, text, clientMsgId: 'c1' },
      'ack',
    );

    const [event] = await stream.waitForEvents(1);
    const notification = JSON.parse(event.data) as Notification;
    const data: MessageNotificationData = {
      room,
      seq,
      id: messageId,
      from: { id: id('alice'), name: 'alice' },
      preview: `${'é'.repeat(139)}🙂`,
    };
    expect(notification).toMatchObject({ type: 'message', title: 'alice', data });
    expect(await notificationsOf('bob')).toEqual([notification]);
    expect(await notificationsOf('alice')).toEqual([]);

    const bob = await connect(1, 'bob');
    const { rooms } = await bob.request({ type: 'inbox' }, 'inbox');
    expect(rooms).toEqual([
      expect.objectContaining({
        room,
        unread: 1,
        lastReadSeq: 0,
        lastMessage: expect.objectContaining({ id: messageId, seq, text }),
      }),
    ]);
  });

  it('sends unread to every connection of a member connected but not in the room, and nothing to the sender or a member in it', async () => {
    const room = await privateRoom('alice', 'bob', 'carol', 'dave');
    const alice = await connect(0, 'alice');
    const bob = await connect(1, 'bob');
    const carol = await connect(0, 'carol');
    const carolThere = await connect(1, 'carol');
    for (const client of [alice, bob]) await client.request({ type: 'join', room }, 'joined');
    await untilOnline(alice, { carol: true, dave: false });

    const first = await alice.request({ type: 'message', room, text: 'one' }, 'ack');
    const second = await alice.request({ type: 'message', room, text: 'two' }, 'ack');

    // Dave, offline, is notified of both; each of Carol's connections gets a count per message.
    await waitFor(async () => (await notificationsOf('dave')).length === 2, 'dave notified');
    for (const client of [carol, carolThere]) {
      // Counted after the second was stored, so both are in it (the first's count may be either).
      const latest = await client.next('unread', (frame) => frame.lastMessage.id === second.id);
      expect(latest).toEqual({
        type: 'unread',
        room,
        unread: 2,
        lastMessage: expect.objectContaining({ id: second.id, seq: second.seq, text: 'two' }),
      });
      const earlier = await client.next('unread', (frame) => frame.lastMessage.id === first.id);
      expect(earlier.unread).toBeGreaterThanOrEqual(1);
    }
    const titles = (await notificationsOf('dave')).map(({ title }) => title);
    expect(titles).toEqual(['alice in Team', 'alice in Team']);

    // Both deliveries are done: nothing went, or goes, to the sender or to Bob, who is in the room.
    for (const client of [alice, bob]) {
      await client.request({ type: 'ping' }, 'pong');
      expect(client.unclaimed('unread')).toEqual([]);
    }
    for (const user of ['alice', 'bob', 'carol']) expect(await notificationsOf(user)).toEqual([]);
  });

  it('tells no one of messages in open rooms', async () => {
    const open = uniqueRoom('open');
    const alice = await connect(0, 'alice');
    const dave = await connect(1, 'dave');
    const carol = await connect(1, 'carol');
    for (const client of [alice, dave, carol]) {
      await client.request({ type: 'join', room: open }, 'joined');
    }
    // Carol stays connected but leaves the room (still a member); Dave goes offline.
    await carol.request({ type: 'leave', room: open }, 'left');
    await dave.close();
    await untilOnline(alice, { carol: true, dave: false });

    await alice.request({ type: 'message', room: open, text: 'to the open room' }, 'ack');
    // Then a private room's message to both: once it has reached them, the open room's had its turn.
    const room = await privateRoom('alice', 'carol', 'dave');
    await alice.request({ type: 'join', room }, 'joined');
    await alice.request({ type: 'message', room, text: 'to the team' }, 'ack');

    await waitFor(async () => (await notificationsOf('dave')).length > 0, 'dave notified');
    const unread = await carol.next('unread');
    expect(unread.room).toBe(room);
    expect((await notificationsOf('dave')).map(({ data }) => data)).toEqual([
      expect.objectContaining({ room }),
    ]);
    await carol.request({ type: 'ping' }, 'pong');
    expect(carol.unclaimed('unread')).toEqual([]);
  });

  it("emits the SDK's unread event with the room, the count and the message", async () => {
    const alice = await connect(0, 'alice');
    const { room } = await alice.request({ type: 'join_direct', user: id('bob') }, 'joined');
    const bob = new SwitchboardClient({
      url: urls[1],
      token: () => signTestToken(id('bob'), 'bob'),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });
    sdks.push(bob);
    const unread: [string, number, ChatMessage][] = [];
    bob.on('unread', (...event) => unread.push(event));
    await bob.connect();
    await untilOnline(alice, { bob: true });

    const ack = await alice.request({ type: 'message', room, text: 'hello' }, 'ack');

    await waitFor(() => unread.length === 1, 'unread event');
    expect(unread[0]).toEqual([room, 1, expect.objectContaining({ id: ack.id, text: 'hello' })]);
  });
});
