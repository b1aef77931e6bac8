import {
  ChatMessage,
  MessageDeletedFrame,
  MessageEditedFrame,
  ServerFrame,
} from '@switchboard/protocol';
import { SwitchboardClient, WebSocketLike } from '@switchboard/client';
import { RoomAdministration } from '@switchboard/room-access';
import { signTestToken, testConfig, uniqueRoom, useInstances, waitFor } from '@switchboard/testing';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

// Two gateway instances on one Redis and one database, as deployed.
describe('edits and deletes on the gateway, two instances', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '100' });
  const cluster = useInstances(
    2,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );
  const { connect } = cluster;
  let admin: RoomAdministration;

  async function storedRows(room: string): Promise<number> {
    const { rows } = await cluster.db.query('SELECT 1 FROM messages WHERE room = $1', [room]);
    return rows.length;
  }

  beforeAll(() => {
    admin = cluster.apps[0].get(RoomAdministration);
  });

  it("lets the author edit and delete, each an event with the room's next seq on both instances", async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    const bob = await connect(1, 'bob');
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    const sent = await alice.request({ type: 'message', room, text: 'helo' }, 'ack');

    await expect(
      alice.request({ type: 'edit', room, id: sent.id, text: 'hello' }, 'change_ack'),
    ).resolves.toEqual({ type: 'change_ack', action: 'edit', room, id: sent.id, seq: 2 });
    const edited: MessageEditedFrame = {
      type: 'message_edited',
      room,
      id: sent.id,
      seq: 2,
      text: 'hello',
      editedAt: expect.any(Number) as number,
    };
    await expect(bob.next('message_edited')).resolves.toEqual(edited);
    await expect(alice.next('message_edited')).resolves.toEqual(edited);

    await expect(
      alice.request({ type: 'delete', room, id: sent.id }, 'change_ack'),
    ).resolves.toEqual({ type: 'change_ack', action: 'delete', room, id: sent.id, seq: 3 });
    const deleted: MessageDeletedFrame = { type: 'message_deleted', room, id: sent.id, seq: 3 };
    await expect(bob.next('message_deleted')).resolves.toEqual(deleted);

    // A repeated delete succeeds with the first delete's seq, and stores and sends nothing more.
    await expect(
      alice.request({ type: 'delete', room, id: sent.id }, 'change_ack'),
    ).resolves.toMatchObject({ seq: 3 });
    // The join's newest page shows the message where it was, deleted.
    const carol = await connect(1, 'carol');
    const joined = await carol.request({ type: 'join', room }, 'joined');
    expect(joined.messages).toEqual([
      {
        id: sent.id,
        room,
        seq: 1,
        user: { id: 'alice', name: 'alice' },
        ts: sent.ts,
        clientMsgId: null,
        deleted: true,
      },
    ]);
    expect(joined.events).toBeUndefined();
    expect(await storedRows(room)).toBe(3);
    expect(bob.unclaimed('message_deleted')).toEqual([]);
  });

  it("lets a room admin delete another user's message, and refuses other users with forbidden", async () => {
    const room = uniqueRoom('private');
    await admin.putRoom(room, { access: 'private' });
    await admin.putMember(room, 'ann', 'admin');
    await admin.putMember(room, 'ben', 'member');
    await admin.putMember(room, 'cat', 'member');
    const ann = await connect(0, 'ann');
    const ben = await connect(1, 'ben');
    const cat = await connect(1, 'cat');
    for (const client of [ann, ben, cat]) await client.request({ type: 'join', room }, 'joined');
    const sent = await ben.request({ type: 'message', room, text: 'oops' }, 'ack');

    await expect(
      cat.request({ type: 'edit', room, id: sent.id, text: 'mine now' }, 'error'),
    ).resolves.toEqual({
      type: 'error',
      code: 'forbidden',
      message: `message ${sent.id} is not yours to change`,
    });
    await expect(
      cat.request({ type: 'delete', room, id: sent.id }, 'error'),
    ).resolves.toMatchObject({ code: 'forbidden' });
    // An admin may delete it, not edit it.
    await expect(
      ann.request({ type: 'edit', room, id: sent.id, text: 'moderated' }, 'error'),
    ).resolves.toMatchObject({ code: 'forbidden' });
    expect(await storedRows(room)).toBe(1);

    await expect(ann.request({ type: 'delete', room, id: sent.id }, 'change_ack')).resolves.toEqual(
      { type: 'change_ack', action: 'delete', room, id: sent.id, seq: 2 },
    );
    await expect(ben.next('message_deleted')).resolves.toMatchObject({ id: sent.id, seq: 2 });
    await expect(cat.next('message_deleted')).resolves.toMatchObject({ id: sent.id, seq: 2 });
  });

  it('refuses unknown ids, malformed frames, unjoined rooms and rooms the user may not use, storing nothing', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join', room }, 'joined');
    const sent = await alice.request({ type: 'message', room, text: 'x' }, 'ack');

    await expect(
      alice.request({ type: 'edit', room, id: '123456789012', text: 'y' }, 'error'),
    ).resolves.toEqual({
      type: 'error',
      code: 'not_found',
      message: 'no message 123456789012 in this room',
    });
    await expect(
      alice.request({ type: 'delete', room, id: '9999999999999999999' }, 'error'),
    ).resolves.toMatchObject({ code: 'not_found' });
    // The id of a message in another room is unknown here.
    const other = uniqueRoom();
    await alice.request({ type: 'join', room: other }, 'joined');
    await expect(
      alice.request({ type: 'delete', room: other, id: sent.id }, 'error'),
    ).resolves.toMatchObject({ code: 'not_found' });

    const invalid: [unknown, string][] = [
      [{ type: 'edit', room, id: 'abc', text: 'y' }, 'invalid_message'],
      [{ type: 'edit', room, id: 5, text: 'y' }, 'invalid_message'],
      [{ type: 'edit', room, id: sent.id }, 'invalid_message'],
      [{ type: 'edit', room, id: sent.id, text: 'bad\u0000' }, 'invalid_message'],
      [{ type: 'edit', room, id: sent.id, text: 'x'.repeat(4001) }, 'too_long'],
      [{ type: 'edit', room, id: sent.id, text: 'y', extra: 1 }, 'invalid_message'],
      [{ type: 'delete', room, id: '0' }, 'invalid_message'],
      [{ type: 'delete', room: 'bad room', id: sent.id }, 'invalid_message'],
    ];
    for (const [frame, code] of invalid) {
      await expect(alice.request(frame, 'error')).resolves.toMatchObject({ code });
    }
    await alice.request({ type: 'leave', room }, 'left');
    await expect(
      alice.request({ type: 'edit', room, id: sent.id, text: 'y' }, 'error'),
    ).resolves.toMatchObject({ code: 'not_joined' });

    const locked = uniqueRoom('private');
    await admin.putRoom(locked, { access: 'private' });
    await expect(
      alice.request({ type: 'delete', room: locked, id: sent.id }, 'error'),
    ).resolves.toMatchObject({ code: 'forbidden' });
    expect(await storedRows(room)).toBe(1);
  });

  it('recovers an edit and a delete made while a member was disconnected with since, in seq order', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    let bob = await connect(1, 'bob');
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    const first = await alice.request({ type: 'message', room, text: 'one' }, 'ack');
    const second = await alice.request({ type: 'message', room, text: 'two' }, 'ack');
    await bob.next('message', (frame) => frame.seq === second.seq);
    await bob.close();

    await alice.request({ type: 'edit', room, id: first.id, text: 'one!' }, 'change_ack');
    const third = await alice.request({ type: 'message', room, text: 'three' }, 'ack');
    await alice.request({ type: 'delete', room, id: second.id }, 'change_ack');

    bob = await connect(1, 'bob');
    const resumed = await bob.request({ type: 'join', room, since: second.seq }, 'joined');
    expect(resumed.messages.map((m) => (m as ChatMessage).text)).toEqual(['three']);
    expect(resumed.events).toEqual([
      {
        type: 'message_edited',
        room,
        id: first.id,
        seq: 3,
        text: 'one!',
        editedAt: expect.any(Number),
      },
      { type: 'message_deleted', room, id: second.id, seq: 5 },
    ]);
    expect(third.seq).toBe(4);
    // Live again after the resume: the next edit arrives once.
    await alice.request({ type: 'edit', room, id: third.id, text: 'three!' }, 'change_ack');
    await expect(bob.next('message_edited')).resolves.toMatchObject({ seq: 6, text: 'three!' });
  });

  it('the SDK delivers messages, edits and deletes once, in seq order, across a reconnect', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join', room }, 'joined');
    const sockets: WebSocket[] = [];
    // While closed, a reconnect waits for its token: what happens meanwhile is missed for sure.
    let reopen: Promise<void> = Promise.resolve();
    const sdk = new SwitchboardClient({
      url: cluster.urls[1],
      token: async () => {
        await reopen;
        return signTestToken('bob');
      },
      createSocket: (url) => {
        const socket = new WebSocket(url);
        sockets.push(socket);
        return socket as unknown as WebSocketLike;
      },
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    const seen: string[] = [];
    sdk.on('message', (message) => seen.push(`${message.seq} message ${message.text}`));
    sdk.on('messageEdited', (event) => seen.push(`${event.seq} edited ${event.id} ${event.text}`));
    sdk.on('messageDeleted', (event) => seen.push(`${event.seq} deleted ${event.id}`));
    try {
      await sdk.connect();
      await sdk.join(room);
      const hers = await alice.request({ type: 'message', room, text: 'a' }, 'ack');
      const mine = await sdk.send(room, 'b');
      await expect(sdk.edit(room, mine.id, 'b!')).resolves.toEqual({
        type: 'change_ack',
        action: 'edit',
        room,
        id: mine.id,
        seq: 3,
      });
      await waitFor(
        () => seen.length === 3,
        () => `3 events, saw ${seen.join(', ')}`,
      );

      let release = (): void => undefined;
      reopen = new Promise((resolve) => (release = resolve));
      sockets.at(-1)?.terminate();
      await waitFor(() => sdk.connectionState !== 'open', 'the SDK to notice the lost connection');
      await alice.request({ type: 'edit', room, id: hers.id, text: 'a!' }, 'change_ack');
      await alice.request({ type: 'message', room, text: 'c' }, 'ack');
      await alice.request({ type: 'delete', room, id: hers.id }, 'change_ack');
      release();
      await waitFor(
        () => seen.length === 6,
        () => `6 events, saw ${seen.join(', ')}`,
      );

      await expect(sdk.delete(room, mine.id)).resolves.toMatchObject({ seq: 7 });
      await expect(sdk.edit(room, mine.id, 'again')).rejects.toMatchObject({ code: 'not_found' });
      await waitFor(
        () => seen.length === 7,
        () => `7 events, saw ${seen.join(', ')}`,
      );
      expect(seen).toEqual([
        `1 message a`,
        `2 message b`,
        `3 edited ${mine.id} b!`,
        `4 edited ${hers.id} a!`,
        `5 message c`,
        `6 deleted ${hers.id}`,
        `7 deleted ${mine.id}`,
      ]);
    } finally {
      sdk.close();
    }
  });

  it("the SDK's join with since returns a message deleted meanwhile in place and its delete among the events", async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join', room }, 'joined');
    const first = await alice.request({ type: 'message', room, text: 'kept' }, 'ack');
    const sdk = new SwitchboardClient({
      url: cluster.urls[1],
      token: () => signTestToken('bob'),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });
    const frames: ServerFrame['type'][] = [];
    sdk.on('message', () => frames.push('message'));
    sdk.on('messageDeleted', () => frames.push('message_deleted'));
    try {
      await sdk.connect();
      const gone = await alice.request({ type: 'message', room, text: 'gone' }, 'ack');
      await alice.request({ type: 'delete', room, id: gone.id }, 'change_ack');
      const joined = await sdk.join(room, first.seq);
      expect(joined.messages).toMatchObject([{ id: gone.id, deleted: true }]);
      expect(joined.events).toEqual([{ type: 'message_deleted', room, id: gone.id, seq: 3 }]);
      expect(frames).toEqual([]);
    } finally {
      sdk.close();
    }
  });
});
