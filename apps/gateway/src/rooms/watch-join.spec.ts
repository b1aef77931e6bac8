import { RoomAdministration } from '@switchboard/room-access';
import { testConfig, uniqueRoom, useInstances } from '@switchboard/testing';
import { createGatewayApp } from '../app/gateway-app.module';

// A watch join does no presence work: the room is not told, the reply lists no one, and the watcher
// is left out of every member list; messages, sends, access and `since` recovery are a join's.
describe('watch join, two instances', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '100' });
  const cluster = useInstances(
    2,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );
  const { connect } = cluster;

  it('announces nothing and lists no one, yet receives and sends messages', async () => {
    const room = uniqueRoom('watch');
    const member = await connect(1, uniqueRoom('member'));
    await member.request({ type: 'join', room }, 'joined');
    const watcherId = uniqueRoom('watcher');
    const watcher = await connect(0, watcherId);

    const reply = await watcher.request({ type: 'join', room, watch: true }, 'joined');
    expect(reply).toMatchObject({ room, messages: [], members: [] });
    await watcher.request({ type: 'message', room, text: 'from a watcher' }, 'ack');
    // One instance publishes the room's frames in order: a user_joined would have come before.
    await expect(member.next('message')).resolves.toMatchObject({
      text: 'from a watcher',
      user: { id: watcherId },
    });
    expect(member.unclaimed('user_joined')).toEqual([]);

    await member.request({ type: 'message', room, text: 'to everyone' }, 'ack');
    await expect(watcher.next('message', ({ seq }) => seq === 2)).resolves.toMatchObject({
      text: 'to everyone',
    });
    const later = await connect(0, uniqueRoom('later'));
    const { members } = await later.request({ type: 'join', room }, 'joined');
    expect(members.map((user) => user.id)).not.toContain(watcherId);
    expect(members).toHaveLength(2);
  });

  it('recovers what was missed with since, like any join', async () => {
    const room = uniqueRoom('watch');
    const sender = await connect(0, uniqueRoom('sender'));
    await sender.request({ type: 'join', room }, 'joined');
    for (const text of ['one', 'two', 'three']) {
      await sender.request({ type: 'message', room, text }, 'ack');
    }

    const watcher = await connect(1, uniqueRoom('watcher'));
    const reply = await watcher.request({ type: 'join', room, since: 1, watch: true }, 'joined');
    expect(reply.messages).toMatchObject([
      { seq: 2, text: 'two' },
      { seq: 3, text: 'three' },
    ]);
    expect(reply.members).toEqual([]);
    await sender.request({ type: 'message', room, text: 'four' }, 'ack');
    await expect(watcher.next('message')).resolves.toMatchObject({ seq: 4, text: 'four' });
  });

  it('takes a connection that joined normally out of presence when it joins again as a watcher', async () => {
    const room = uniqueRoom('watch');
    const member = await connect(1, uniqueRoom('member'));
    await member.request({ type: 'join', room }, 'joined');
    const switcherId = uniqueRoom('switcher');
    const switcher = await connect(0, switcherId);
    await switcher.request({ type: 'join', room }, 'joined');
    await expect(member.next('user_joined')).resolves.toMatchObject({ user: { id: switcherId } });

    await switcher.request({ type: 'join', room, watch: true }, 'joined');
    await expect(member.next('user_left')).resolves.toMatchObject({ user: { id: switcherId } });
    // Still in the room: it hears the member's messages.
    await member.request({ type: 'message', room, text: 'still here?' }, 'ack');
    await expect(switcher.next('message')).resolves.toMatchObject({ text: 'still here?' });
  });

  it('keeps access checks: a watcher of a private room it does not belong to is refused', async () => {
    const room = uniqueRoom('private');
    await cluster.apps[0].get(RoomAdministration).putRoom(room, { access: 'private' });
    const outsider = await connect(1, uniqueRoom('outsider'));
    await expect(outsider.request({ type: 'join', room, watch: true }, 'error')).resolves.toEqual({
      type: 'error',
      code: 'forbidden',
      message: `you may not use room ${room}`,
    });
  });

  it('refuses a watch that is not a boolean, saying which field', async () => {
    const client = await connect(0, uniqueRoom('client'));
    await expect(
      client.request({ type: 'join', room: 'general', watch: 'yes' }, 'error'),
    ).resolves.toEqual({
      type: 'error',
      code: 'invalid_message',
      message: 'watch: Invalid input: expected boolean, received string',
    });
  });
});
