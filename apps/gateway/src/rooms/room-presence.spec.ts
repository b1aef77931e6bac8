import { Logger } from '@nestjs/common';
import { InProcessMessageBus } from '@switchboard/bus';
import { RepeatedFailureLog } from '@switchboard/observability';
import { InMemoryPresenceStore } from '@switchboard/presence';
import { RoomEventFrame } from '@switchboard/protocol';
import { WebSocket } from 'ws';
import { ClientSession } from '../connections/client-session';
import { RoomPresence } from './room-presence';

const ROOM = 'counted';

function sessionOf(userId: string): ClientSession {
  return new ClientSession(
    {} as WebSocket,
    { id: userId, name: userId },
    {} as never,
    new RepeatedFailureLog(new Logger('test')),
  );
}

async function started() {
  const bus = new InProcessMessageBus();
  const store = new InMemoryPresenceStore();
  const heard: string[] = [];
  await bus.subscribe('room', ROOM, (frame: RoomEventFrame) => {
    if (frame.type === 'user_joined' || frame.type === 'user_left') {
      heard.push(`${frame.type} ${frame.user.id}`);
    }
  });
  return { presence: new RoomPresence(store, bus), store, heard };
}

describe('RoomPresence', () => {
  it("announces a user's first connection in the room and their last one leaving, not the others", async () => {
    const { presence, store, heard } = await started();
    const [ann1, ann2, bob] = [sessionOf('ann'), sessionOf('ann'), sessionOf('bob')];

    await presence.enter(ROOM, ann1);
    await presence.enter(ROOM, ann2);
    await presence.enter(ROOM, bob);
    await presence.exit(ROOM, ann1);
    expect(heard).toEqual(['user_joined ann', 'user_joined bob']);
    expect((await store.members(ROOM)).map(({ id }) => id).sort()).toEqual(['ann', 'bob']);

    await presence.exit(ROOM, ann2);
    await presence.exit(ROOM, bob);
    expect(heard).toEqual(['user_joined ann', 'user_joined bob', 'user_left ann', 'user_left bob']);
    expect(await store.members(ROOM)).toEqual([]);
  });

  it('counts a session once however often it enters, and uncounts only what it counted', async () => {
    const { presence, heard } = await started();
    const [ann1, ann2] = [sessionOf('ann'), sessionOf('ann')];

    await presence.enter(ROOM, ann1);
    await presence.enter(ROOM, ann1);
    await presence.exit(ROOM, ann2);
    await presence.enter(ROOM, ann2);
    await presence.enter(ROOM, ann2);
    await presence.exit(ROOM, ann1);
    await presence.exit(ROOM, ann1);
    expect(heard).toEqual(['user_joined ann']);

    await presence.exit(ROOM, ann2);
    expect(heard).toEqual(['user_joined ann', 'user_left ann']);
  });

  it('enters every user it holds again after the instance was taken for dead', async () => {
    const { presence, store, heard } = await started();
    const [ann1, ann2, bob] = [sessionOf('ann'), sessionOf('ann'), sessionOf('bob')];
    for (const session of [ann1, ann2, bob]) await presence.enter(ROOM, session);
    await presence.exit(ROOM, ann1);
    // What the other instances do to a dead one's users: released from the store.
    await store.exit(ROOM, 'ann');
    await store.exit(ROOM, 'bob');

    await presence.reassert();
    expect(heard.slice(2)).toEqual(['user_joined ann', 'user_joined bob']);
    expect((await store.members(ROOM)).map(({ id }) => id).sort()).toEqual(['ann', 'bob']);
  });
});
