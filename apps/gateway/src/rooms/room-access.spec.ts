import { INestApplication } from '@nestjs/common';
import { SwitchboardClient, WebSocketLike } from '@switchboard/client';
import { ErrorFrame } from '@switchboard/protocol';
import { directRoomOf, RoomAdministration } from '@switchboard/room-access';
import {
  listen,
  signTestToken,
  testConfig,
  uniqueRoom,
  useInstances,
  waitFor,
  WsTestClient,
} from '@switchboard/testing';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

/** Eviction is one bus hop: the issue allows a second. */
const EVICTION_DEADLINE_MS = 1000;

/** An error frame with the room's id taken out, to compare refusals of different rooms. */
const withoutRoom = (error: ErrorFrame, room: string) => ({
  ...error,
  message: error.message.replace(room, '<room>'),
});

// Two gateway instances on one Redis and one database, as deployed.
describe('room access on the gateway, two instances', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '100' });
  const cluster = useInstances(
    2,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );
  const { connect } = cluster;
  let admin: RoomAdministration;

  async function privateRoom(members: Record<string, 'member' | 'admin'>): Promise<string> {
    const room = uniqueRoom('private');
    await admin.putRoom(room, { access: 'private' });
    for (const [userId, role] of Object.entries(members)) await admin.putMember(room, userId, role);
    return room;
  }

  async function memberIds(room: string): Promise<string[]> {
    const { rows } = await cluster.db.query<{ user_id: string }>(
      'SELECT user_id FROM room_members WHERE room = $1 ORDER BY user_id',
      [room],
    );
    return rows.map((row) => row.user_id);
  }

  beforeAll(() => {
    admin = cluster.apps[0].get(RoomAdministration);
  });

  it('lets members of a private room join and talk, and refuses everyone else with forbidden', async () => {
    const room = await privateRoom({ alice: 'admin', bob: 'member' });
    const alice = await connect(0, 'alice');
    const bob = await connect(1, 'bob');
    const mallory = await connect(1, 'mallory');
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    await alice.request({ type: 'message', room, text: 'members only' }, 'ack');
    await expect(bob.next('message')).resolves.toMatchObject({ text: 'members only' });

    await expect(mallory.request({ type: 'join', room }, 'error')).resolves.toEqual({
      type: 'error',
      code: 'forbidden',
      message: `you may not use room ${room}`,
    });
    // A send to a room the user may not use says forbidden, not not_joined.
    await expect(
      mallory.request({ type: 'message', room, text: 'let me in' }, 'error'),
    ).resolves.toMatchObject({ code: 'forbidden' });
    await expect(mallory.request({ type: 'join', room, since: 0 }, 'error')).resolves.toMatchObject(
      { code: 'forbidden' },
    );
    // Leaving is never refused, and tells nothing.
    await expect(mallory.request({ type: 'leave', room }, 'left')).resolves.toEqual({
      type: 'left',
      room,
    });
    expect(await memberIds(room)).toEqual(['alice', 'bob']);
    const { rows } = await cluster.db.query('SELECT 1 FROM messages WHERE room = $1', [room]);
    expect(rows).toHaveLength(1);
  });

  it('says not_joined to a member who sends before joining', async () => {
    const room = await privateRoom({ bob: 'member' });
    const bob = await connect(0, 'bob');
    await expect(
      bob.request({ type: 'message', room, text: 'too early' }, 'error'),
    ).resolves.toMatchObject({ code: 'not_joined' });
  });

  it('evicts a removed member on every instance within a second, then refuses their sends and joins', async () => {
    const room = await privateRoom({ alice: 'admin', bob: 'member', carol: 'member' });
    const alice = await connect(0, 'alice');
    const bobHere = await connect(0, 'bob');
    const bobThere = await connect(1, 'bob');
    const carol = await connect(1, 'carol');
    for (const client of [alice, bobHere, bobThere, carol])
      await client.request({ type: 'join', room }, 'joined');

    await admin.removeMember(room, 'bob');
    const evicted = { type: 'left', room, reason: 'removed' };
    await expect(bobThere.next('left', () => true, EVICTION_DEADLINE_MS)).resolves.toEqual(evicted);
    await expect(bobHere.next('left', () => true, EVICTION_DEADLINE_MS)).resolves.toEqual(evicted);
    await expect(alice.next('user_left', (f) => f.user.id === 'bob')).resolves.toBeDefined();

    await alice.request({ type: 'message', room, text: 'after bob' }, 'ack');
    await carol.next('message', (f) => f.text === 'after bob');
    // Written to bob's socket before this pong if it had been broadcast to him at all.
    await bobThere.request({ type: 'ping' }, 'pong');
    expect(bobThere.unclaimed('message')).toEqual([]);

    await expect(
      bobThere.request({ type: 'message', room, text: 'still here?' }, 'error'),
    ).resolves.toMatchObject({ code: 'forbidden' });
    await expect(bobHere.request({ type: 'join', room }, 'error')).resolves.toMatchObject({
      code: 'forbidden',
    });
    expect(await memberIds(room)).toEqual(['alice', 'carol']);
  });

  it('makes a joiner of an open room its member until they leave with forget', async () => {
    const room = uniqueRoom('open');
    const dave = await connect(0, 'dave');
    await dave.request({ type: 'join', room }, 'joined');
    expect(await memberIds(room)).toEqual(['dave']);
    await dave.request({ type: 'leave', room }, 'left');
    expect(await memberIds(room)).toEqual(['dave']);
    await dave.request({ type: 'join', room }, 'joined');
    await expect(dave.request({ type: 'leave', room, forget: true }, 'left')).resolves.toEqual({
      type: 'left',
      room,
    });
    expect(await memberIds(room)).toEqual([]);
    const { rows } = await cluster.db.query<{ access: string }>(
      'SELECT access FROM rooms WHERE room = $1',
      [room],
    );
    expect(rows).toEqual([{ access: 'open' }]);
  });

  it('evicts the users of a room made private who are not its members', async () => {
    const room = uniqueRoom('closing');
    const erin = await connect(0, 'erin');
    const erinElsewhere = await connect(1, 'erin');
    const frank = await connect(1, 'frank');
    await erin.request({ type: 'join', room }, 'joined');
    await frank.request({ type: 'join', room }, 'joined');
    // Erin's other connection ends her membership; the first one is still in the open room.
    await erinElsewhere.request({ type: 'leave', room, forget: true }, 'left');

    await admin.putRoom(room, { access: 'private' });
    await expect(erin.next('left', () => true, EVICTION_DEADLINE_MS)).resolves.toEqual({
      type: 'left',
      room,
      reason: 'removed',
    });
    await expect(
      frank.request({ type: 'message', room, text: 'kept' }, 'ack'),
    ).resolves.toBeDefined();
    await expect(erin.request({ type: 'join', room }, 'error')).resolves.toMatchObject({
      code: 'forbidden',
    });
  });

  it('evicts a member who forgets a private room from their other connections', async () => {
    const room = await privateRoom({ gina: 'member' });
    const gina = await connect(0, 'gina');
    const ginaElsewhere = await connect(1, 'gina');
    await ginaElsewhere.request({ type: 'join', room }, 'joined');
    await gina.request({ type: 'leave', room, forget: true }, 'left');
    await expect(ginaElsewhere.next('left', () => true, EVICTION_DEADLINE_MS)).resolves.toEqual({
      type: 'left',
      room,
      reason: 'removed',
    });
    await expect(gina.request({ type: 'join', room }, 'error')).resolves.toMatchObject({
      code: 'forbidden',
    });
  });

  it('surfaces a removal to the client SDK as removed(room), and its later sends as forbidden', async () => {
    const room = await privateRoom({ ivy: 'member', jon: 'member' });
    const sdk = new SwitchboardClient({
      url: cluster.urls[1],
      token: () => signTestToken('ivy'),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });
    const removed: string[] = [];
    sdk.on('removed', (lost) => removed.push(lost));
    try {
      await sdk.connect();
      await sdk.join(room);
      const direct = await sdk.joinDirect('jon');
      expect(direct).toMatchObject({
        room: directRoomOf('ivy', 'jon').room,
        partner: { id: 'jon' },
      });

      await admin.removeMember(room, 'ivy');
      await waitFor(() => removed.length > 0, 'removed emitted', EVICTION_DEADLINE_MS);
      expect(removed).toEqual([room]);
      await expect(sdk.send(room, 'after removal')).rejects.toMatchObject({ code: 'forbidden' });
      await expect(sdk.send(direct.room, 'still here')).resolves.toMatchObject({ seq: 1 });
    } finally {
      sdk.close();
    }
  });

  describe('direct rooms', () => {
    it('gives both users the same room, naming the other, and refuses everyone else', async () => {
      // Ids of their own: other spec files connect an `ann` under other names at the same time.
      const [annId, benId] = [uniqueRoom('ann'), uniqueRoom('ben')];
      const ann = await connect(0, annId, 'Ann');
      const ben = await connect(1, benId, 'Ben');
      await waitFor(async () => {
        const { rows } = await cluster.db.query('SELECT 1 FROM users WHERE id = ANY($1)', [
          [annId, benId],
        ]);
        return rows.length === 2;
      }, 'both names stored');

      const annJoined = await ann.request({ type: 'join_direct', user: benId }, 'joined');
      expect(annJoined.room).toBe(directRoomOf(annId, benId).room);
      expect(annJoined.room).toMatch(/^dm:[A-Za-z0-9_-]{43}$/);
      expect(annJoined.direct).toEqual({ user: { id: benId, name: 'Ben' } });
      const benJoined = await ben.request({ type: 'join_direct', user: annId }, 'joined');
      expect(benJoined.room).toBe(annJoined.room);
      expect(benJoined.direct).toEqual({ user: { id: annId, name: 'Ann' } });
      const room = annJoined.room;

      await ann.request({ type: 'message', room, text: 'just us' }, 'ack');
      await expect(ben.next('message')).resolves.toMatchObject({ text: 'just us' });
      // A plain join of the room by one of the two names the other as well.
      await expect(ben.request({ type: 'join', room, since: 1 }, 'joined')).resolves.toMatchObject({
        direct: { user: { id: annId } },
      });

      const cat = await connect(1, 'cat');
      await expect(cat.request({ type: 'join', room }, 'error')).resolves.toMatchObject({
        code: 'forbidden',
      });
      await expect(
        cat.request({ type: 'message', room, text: 'hi' }, 'error'),
      ).resolves.toMatchObject({ code: 'forbidden' });
      expect(await memberIds(room)).toEqual([annId, benId].sort());
    });

    it('refuses a direct room with yourself as invalid_message', async () => {
      const ann = await connect(0, 'ann');
      await expect(ann.request({ type: 'join_direct', user: 'ann' }, 'error')).resolves.toEqual({
        type: 'error',
        code: 'invalid_message',
        message: 'a direct room needs another user',
      });
    });

    it('names a partner who never connected by their id, and refuses a dm: room nobody opened', async () => {
      const ann = await connect(0, 'ann');
      const stranger = uniqueRoom('stranger');
      await expect(
        ann.request({ type: 'join_direct', user: stranger }, 'joined'),
      ).resolves.toMatchObject({ direct: { user: { id: stranger, name: stranger } } });
      const unopened = directRoomOf('ann', uniqueRoom('nobody')).room;
      await expect(ann.request({ type: 'join', room: unopened }, 'error')).resolves.toMatchObject({
        code: 'forbidden',
      });
    });
  });
});

describe('room access with ROOMS_OPEN_BY_DEFAULT=false', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await createGatewayApp(
      testConfig('gateway', { ROOMS_OPEN_BY_DEFAULT: 'false' }),
      {},
      { shutdownHooks: false },
    );
    url = (await listen(app)).ws;
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses rooms nobody created exactly as private ones, and opens created rooms', async () => {
    const admin = app.get(RoomAdministration);
    const unknown = uniqueRoom('unknown');
    const closed = uniqueRoom('closed');
    const open = uniqueRoom('created');
    await admin.putRoom(closed, { access: 'private' });
    await admin.putRoom(open, { access: 'open' });
    const hana = await WsTestClient.connect(url, { token: signTestToken('hana') });

    const refusedUnknown = await hana.request({ type: 'join', room: unknown }, 'error');
    const refusedPrivate = await hana.request({ type: 'join', room: closed }, 'error');
    expect(refusedUnknown.code).toBe('forbidden');
    expect(withoutRoom(refusedUnknown, unknown)).toEqual(withoutRoom(refusedPrivate, closed));
    await expect(
      hana.request({ type: 'message', room: unknown, text: 'x' }, 'error'),
    ).resolves.toMatchObject({ code: 'forbidden' });
    await expect(hana.request({ type: 'join', room: open }, 'joined')).resolves.toMatchObject({
      room: open,
    });
    await hana.close();
  });
});
