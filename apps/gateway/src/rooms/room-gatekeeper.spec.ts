import { InProcessMessageBus } from '@switchboard/bus';
import { RoomAccessService, RoomEntry, roomForbidden } from '@switchboard/room-access';
import { ClientSession } from '../connections/client-session';
import { RoomGatekeeper } from './room-gatekeeper.service';
import { RoomMembershipService } from './room-membership.service';

const ROOM = 'team';
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Access checks that wait until the test lets each one answer, so a change can land mid-check. */
class ControlledAccess {
  readonly checks: ((answer: RoomEntry | Error) => void)[] = [];

  async refusedAmong(): Promise<string[]> {
    return [];
  }

  enter(): Promise<RoomEntry> {
    return new Promise((resolve, reject) =>
      this.checks.push((answer) => (answer instanceof Error ? reject(answer) : resolve(answer))),
    );
  }
}

function gatekeeper(joined = true) {
  const bus = new InProcessMessageBus();
  const access = new ControlledAccess();
  const rooms = {
    join: jest.fn(async () => joined),
    evict: jest.fn<void, [string, (session: ClientSession) => boolean]>(),
    usersIn: () => [],
  };
  const keeper = new RoomGatekeeper(
    access as unknown as RoomAccessService,
    rooms as unknown as RoomMembershipService,
    bus,
  );
  const session = { user: { id: 'bob', name: 'Bob' } } as ClientSession;
  return { bus, access, rooms, keeper, session };
}

describe('RoomGatekeeper', () => {
  it('checks a join again when the user is removed while its check is under way', async () => {
    const { bus, access, rooms, keeper, session } = gatekeeper();
    await keeper.onApplicationBootstrap();
    const joining = keeper.join(session, ROOM, undefined);
    await settle();
    // The check read the membership before the removal committed; the removal is announced now.
    await bus.publish('room-access', '', { type: 'member_removed', room: ROOM, userId: 'bob' });
    await settle();
    access.checks[0]({ access: 'private' });
    await settle();
    expect(access.checks).toHaveLength(2);
    access.checks[1](roomForbidden(ROOM));
    await expect(joining).rejects.toMatchObject({ reason: 'forbidden' });
    expect(rooms.join).not.toHaveBeenCalled();
  });

  it("does not check again for another user's removal, and joins", async () => {
    const { bus, access, rooms, keeper, session } = gatekeeper();
    await keeper.onApplicationBootstrap();
    const joining = keeper.join(session, ROOM, 5, true);
    await settle();
    await bus.publish('room-access', '', { type: 'member_removed', room: ROOM, userId: 'carol' });
    await settle();
    access.checks[0]({ access: 'private' });
    await joining;
    expect(access.checks).toHaveLength(1);
    expect(rooms.join).toHaveBeenCalledWith(session, ROOM, 5, {}, true);
  });

  it("checks every join of a room again when the room's access changes during it", async () => {
    const { bus, access, rooms, keeper, session } = gatekeeper();
    await keeper.onApplicationBootstrap();
    const joining = keeper.join(session, ROOM, undefined);
    await settle();
    await bus.publish('room-access', '', { type: 'access_changed', room: ROOM });
    await settle();
    access.checks[0]({ access: 'open' });
    await settle();
    access.checks[1]({ access: 'private' });
    await joining;
    expect(rooms.join).toHaveBeenCalledTimes(1);
  });

  it('refuses a join whose session was evicted before its reply', async () => {
    const { access, keeper, session } = gatekeeper(false);
    const joining = keeper.join(session, ROOM, undefined);
    await settle();
    access.checks[0]({ access: 'direct', partner: { id: 'ann', name: 'Ann' } });
    await expect(joining).rejects.toMatchObject({ reason: 'forbidden' });
  });

  it('evicts the removed user from the room, and only them', async () => {
    const { bus, rooms, keeper } = gatekeeper();
    await keeper.onApplicationBootstrap();
    await bus.publish('room-access', '', { type: 'member_removed', room: ROOM, userId: 'bob' });
    await settle();
    expect(rooms.evict).toHaveBeenCalledWith(ROOM, expect.any(Function));
    const loses = rooms.evict.mock.calls[0][1];
    expect(loses({ user: { id: 'bob' } } as ClientSession)).toBe(true);
    expect(loses({ user: { id: 'carol' } } as ClientSession)).toBe(false);
    await keeper.onModuleDestroy();
  });
});
