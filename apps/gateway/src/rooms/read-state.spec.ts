import { SwitchboardClient, WebSocketLike } from '@switchboard/client';
import { InboxRoom, ReadReceiptFrame, ReadReplyFrame } from '@switchboard/protocol';
import { directRoomOf, RoomAdministration } from '@switchboard/room-access';
import {
  signTestToken,
  testConfig,
  uniqueRoom,
  useInstances,
  waitFor,
  WsTestClient,
} from '@switchboard/testing';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

const isReply = (frame: ReadReplyFrame | ReadReceiptFrame): boolean => !('user' in frame);
const isReceipt = (frame: ReadReplyFrame | ReadReceiptFrame): boolean => 'user' in frame;

// Two gateway instances on one Redis and one database, as deployed.
describe('read state, unread counts and the inbox on the gateway, two instances', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '100' });
  const cluster = useInstances(
    2,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );
  const { connect } = cluster;
  let admin: RoomAdministration;

  async function send(client: WsTestClient, room: string, ...texts: string[]): Promise<void> {
    for (const text of texts) await client.request({ type: 'message', room, text }, 'ack');
  }

  async function lastReadSeq(room: string, userId: string): Promise<number | null> {
    const { rows } = await cluster.db.query<{ last_read_seq: string }>(
      'SELECT last_read_seq FROM room_members WHERE room = $1 AND user_id = $2',
      [room, userId],
    );
    return rows.length ? Number(rows[0].last_read_seq) : null;
  }

  beforeAll(() => {
    admin = cluster.apps[0].get(RoomAdministration);
  });

  it("sends a read on instance A to every connection in the room on B, the reader's own included, and stores it", async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice', 'Alice');
    const aliceThere = await connect(1, 'alice', 'Alice');
    const bob = await connect(1, 'bob');
    for (const client of [alice, aliceThere, bob])
      await client.request({ type: 'join', room }, 'joined');
    await send(bob, room, 'one', 'two', 'three');

    await expect(alice.request({ type: 'read', room, seq: 2 }, 'read', isReply)).resolves.toEqual({
      type: 'read',
      room,
      seq: 2,
    });
    const receipt = { type: 'read', room, user: { id: 'alice', name: 'Alice' }, seq: 2 };
    await expect(bob.next('read')).resolves.toEqual(receipt);
    await expect(aliceThere.next('read')).resolves.toEqual(receipt);
    await expect(alice.next('read', isReceipt)).resolves.toEqual(receipt);
    expect(await lastReadSeq(room, 'alice')).toBe(2);
  });

  it('never moves a read position back, announces nothing that did not move, and clamps a seq past the end', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    const bob = await connect(1, 'bob');
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    await send(bob, room, 'one', 'two', 'three');

    await alice.request({ type: 'read', room, seq: 3 }, 'read', isReply);
    await bob.next('read', (frame) => frame.seq === 3);
    await expect(alice.request({ type: 'read', room, seq: 1 }, 'read', isReply)).resolves.toEqual({
      type: 'read',
      room,
      seq: 3,
    });
    await expect(alice.request({ type: 'read', room, seq: 3 }, 'read', isReply)).resolves.toEqual({
      type: 'read',
      room,
      seq: 3,
    });
    expect(await lastReadSeq(room, 'alice')).toBe(3);

    await expect(
      alice.request({ type: 'read', room, seq: 1_000_000 }, 'read', isReply),
    ).resolves.toEqual({ type: 'read', room, seq: 3 });
    expect(await lastReadSeq(room, 'alice')).toBe(3);
    // A receipt for any of the reads that moved nothing would have reached bob before this pong.
    await bob.request({ type: 'ping' }, 'pong');
    expect(bob.unclaimed('read')).toEqual([]);
  });

  it('counts as unread only what others sent after the read position, in joined', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    const bob = await connect(1, 'bob');
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    await send(bob, room, 'b1', 'b2');
    await send(alice, room, 'a3');
    await send(bob, room, 'b4');
    await alice.request({ type: 'read', room, seq: 1 }, 'read', isReply);

    const later = await connect(1, 'alice');
    await expect(later.request({ type: 'join', room }, 'joined')).resolves.toMatchObject({
      lastReadSeq: 1,
      unread: 2,
    });
    await expect(later.request({ type: 'join', room, since: 4 }, 'joined')).resolves.toMatchObject({
      lastReadSeq: 1,
      unread: 2,
    });
    // Bob read nothing, and his own messages are not unread for him.
    const bobAgain = await connect(0, 'bob');
    await expect(bobAgain.request({ type: 'join', room }, 'joined')).resolves.toMatchObject({
      lastReadSeq: 0,
      unread: 1,
    });
  });

  it('makes a reader of an open room a member, as a join does', async () => {
    const room = uniqueRoom();
    const bob = await connect(0, 'bob');
    await bob.request({ type: 'join', room }, 'joined');
    await send(bob, room, 'hello');
    const carol = await connect(1, 'carol');
    await expect(carol.request({ type: 'read', room, seq: 1 }, 'read')).resolves.toEqual({
      type: 'read',
      room,
      seq: 1,
    });
    expect(await lastReadSeq(room, 'carol')).toBe(1);
  });

  it('refuses a read of a room the user may not use with forbidden, and a bad seq with invalid_message, storing nothing', async () => {
    const room = uniqueRoom('private');
    await admin.putRoom(room, { access: 'private' });
    await admin.putMember(room, 'alice', 'member');
    const mallory = await connect(0, 'mallory');
    await expect(mallory.request({ type: 'read', room, seq: 1 }, 'error')).resolves.toEqual({
      type: 'error',
      code: 'forbidden',
      message: `you may not use room ${room}`,
    });
    expect(await lastReadSeq(room, 'mallory')).toBeNull();

    const alice = await connect(1, 'alice');
    for (const seq of [-1, 1.5, '2', null, Number.MAX_SAFE_INTEGER + 2]) {
      await expect(alice.request({ type: 'read', room, seq }, 'error')).resolves.toMatchObject({
        type: 'error',
        code: 'invalid_message',
      });
    }
    await expect(alice.request({ type: 'read', room }, 'error')).resolves.toMatchObject({
      code: 'invalid_message',
    });
    await expect(
      alice.request({ type: 'read', room: 'bad room', seq: 1 }, 'error'),
    ).resolves.toMatchObject({ code: 'invalid_message' });
    await expect(alice.request({ type: 'inbox', extra: 1 }, 'error')).resolves.toMatchObject({
      code: 'invalid_message',
    });
    expect(await lastReadSeq(room, 'alice')).toBe(0);
  });

  it('lists every room of the user in the inbox, most recent activity first, with open, private and direct fields', async () => {
    const user = uniqueRoom('user');
    const partner = uniqueRoom('partner');
    const openRoom = uniqueRoom('open');
    const privateRoom = uniqueRoom('private');
    await admin.putRoom(privateRoom, { access: 'private', title: 'Team' });
    await admin.putMember(privateRoom, user, 'member');
    await admin.putMember(privateRoom, partner, 'member');

    const me = await connect(0, user, 'Me');
    const them = await connect(1, partner, 'Partner');
    await expect(me.request({ type: 'inbox' }, 'inbox')).resolves.toEqual({
      type: 'inbox',
      rooms: [
        {
          room: privateRoom,
          access: 'private',
          title: 'Team',
          unread: 0,
          lastReadSeq: 0,
          lastMessage: null,
        },
      ],
    });

    await me.request({ type: 'join', room: openRoom }, 'joined');
    await them.request({ type: 'join', room: openRoom }, 'joined');
    await send(them, openRoom, 'open 1');
    const direct = directRoomOf(user, partner).room;
    await them.request({ type: 'join_direct', user }, 'joined');
    await send(them, direct, 'dm 1', 'dm 2');
    await them.request({ type: 'join', room: privateRoom }, 'joined');
    await send(them, privateRoom, 'team 1');
    await send(me, openRoom, 'open 2 (mine)');
    await me.request({ type: 'join', room: direct }, 'joined');
    await me.request({ type: 'read', room: direct, seq: 1 }, 'read', isReply);

    const { rooms } = await me.request({ type: 'inbox' }, 'inbox');
    expect(rooms.map((entry: InboxRoom) => entry.room)).toEqual([openRoom, privateRoom, direct]);
    expect(rooms[0]).toEqual({
      room: openRoom,
      access: 'open',
      unread: 1,
      lastReadSeq: 0,
      lastMessage: expect.objectContaining({
        room: openRoom,
        seq: 2,
        text: 'open 2 (mine)',
        user: { id: user, name: 'Me' },
      }),
    });
    expect(rooms[1]).toMatchObject({
      room: privateRoom,
      access: 'private',
      title: 'Team',
      unread: 1,
      lastMessage: { seq: 1, text: 'team 1' },
    });
    expect(rooms[2]).toEqual({
      room: direct,
      access: 'direct',
      direct: { user: { id: partner, name: 'Partner' } },
      unread: 1,
      lastReadSeq: 1,
      lastMessage: expect.objectContaining({ seq: 2, text: 'dm 2' }),
    });

    // Forgetting a room takes it out of the inbox.
    await me.request({ type: 'leave', room: openRoom, forget: true }, 'left');
    const after = await me.request({ type: 'inbox' }, 'inbox');
    expect(after.rooms.map((entry: InboxRoom) => entry.room)).toEqual([privateRoom, direct]);
  });

  it('gives the SDK markRead, inbox, the read event and the read state of a join, across instances', async () => {
    const room = uniqueRoom();
    const sdk = (instance: 0 | 1, userId: string, name: string) =>
      new SwitchboardClient({
        url: cluster.urls[instance],
        token: () => signTestToken(userId, name),
        createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      });
    // Ids of their own: other specs of this run share the database, and an inbox lists every room.
    const ann = sdk(0, uniqueRoom('ann'), 'Ann');
    const ben = sdk(1, uniqueRoom('ben'), 'Ben');
    try {
      await Promise.all([ann.connect(), ben.connect()]);
      await ben.join(room);
      await ben.send(room, 'hello ann');
      await ben.send(room, 'are you there?');
      await expect(ann.join(room)).resolves.toMatchObject({ lastReadSeq: 0, unread: 2 });
      const seen: [string, string, number][] = [];
      ben.on('read', (where, user, seq) => seen.push([where, user.name, seq]));

      await expect(ann.markRead(room, 1)).resolves.toBe(1);
      await waitFor(() => seen.length === 1, 'ben hears that ann read');
      expect(seen).toEqual([[room, 'Ann', 1]]);
      await expect(ann.inbox()).resolves.toEqual([
        expect.objectContaining({ room, unread: 1, lastReadSeq: 1 }),
      ]);
    } finally {
      ann.close();
      ben.close();
    }
  });
});
