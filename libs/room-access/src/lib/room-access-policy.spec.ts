import type { MemberRecord, RoomRecord, RoomStanding } from '@switchboard/persistence';
import { RoomAccess } from '@switchboard/protocol';
import { RoomAccessPolicy } from './room-access-policy';

function room(access: RoomAccess, directUsers: [string, string] | null = null): RoomRecord {
  return { room: 'r', access, title: null, directUsers, createdAt: 0 };
}
const member = (role: MemberRecord['role'] = 'member'): MemberRecord => ({
  userId: 'ada',
  role,
  lastReadSeq: 0,
});
const standing = (r: RoomRecord | null, m: MemberRecord | null = null): RoomStanding => ({
  room: r,
  member: m,
});

const openByDefault = new RoomAccessPolicy(true);
const closedByDefault = new RoomAccessPolicy(false);

describe('RoomAccessPolicy.use', () => {
  it('lets anyone use an unknown room when rooms are open by default, and joining makes them a member', () => {
    expect(openByDefault.use('lobby', 'ada', standing(null))).toEqual({
      allowed: true,
      access: 'open',
      joinMakesMember: true,
    });
  });

  it('refuses an unknown room when rooms are not open by default', () => {
    expect(closedByDefault.use('lobby', 'ada', standing(null))).toEqual({ allowed: false });
  });

  it('refuses an unknown dm: room whatever the default: direct rooms are opened by their users', () => {
    expect(openByDefault.use('dm:abc', 'ada', standing(null))).toEqual({ allowed: false });
  });

  it('lets anyone use an open room; only a non-member becomes a member by joining', () => {
    for (const policy of [openByDefault, closedByDefault]) {
      expect(policy.use('r', 'ada', standing(room('open')))).toEqual({
        allowed: true,
        access: 'open',
        joinMakesMember: true,
      });
      expect(policy.use('r', 'ada', standing(room('open'), member()))).toMatchObject({
        allowed: true,
        joinMakesMember: false,
      });
    }
  });

  it('lets only members use a private room', () => {
    expect(openByDefault.use('r', 'ada', standing(room('private')))).toEqual({ allowed: false });
    expect(openByDefault.use('r', 'ada', standing(room('private'), member()))).toEqual({
      allowed: true,
      access: 'private',
      joinMakesMember: false,
    });
    expect(openByDefault.use('r', 'ada', standing(room('private'), member('admin')))).toMatchObject(
      { allowed: true },
    );
  });

  it("lets only a direct room's two users use it, members again on joining if they forgot it", () => {
    const direct = room('direct', ['ada', 'bob']);
    expect(openByDefault.use('dm:x', 'bob', standing(direct))).toEqual({
      allowed: true,
      access: 'direct',
      joinMakesMember: true,
    });
    expect(openByDefault.use('dm:x', 'ada', standing(direct, member()))).toMatchObject({
      allowed: true,
      joinMakesMember: false,
    });
    expect(openByDefault.use('dm:x', 'cy', standing(direct))).toEqual({ allowed: false });
    // A stray membership row never lets a third user in.
    expect(openByDefault.use('dm:x', 'cy', standing(direct, member('admin')))).toEqual({
      allowed: false,
    });
  });
});

describe('RoomAccessPolicy.manage', () => {
  const service = { kind: 'service' } as const;
  const ada = { kind: 'user', userId: 'ada' } as const;

  it('lets the service key manage and list the members of any room', () => {
    expect(openByDefault.manage(service, 'r', 'manage_members', standing(room('private')))).toBe(
      true,
    );
    expect(openByDefault.manage(service, 'r', 'list_members', standing(null))).toBe(true);
  });

  it("lets a room's admin manage and list its members with their own token", () => {
    const asAdmin = standing(room('private'), member('admin'));
    expect(openByDefault.manage(ada, 'r', 'manage_members', asAdmin)).toBe(true);
    expect(openByDefault.manage(ada, 'r', 'list_members', asAdmin)).toBe(true);
  });

  it('lets a member list but not manage, and an outsider neither', () => {
    const asMember = standing(room('private'), member());
    expect(openByDefault.manage(ada, 'r', 'manage_members', asMember)).toBe(false);
    expect(openByDefault.manage(ada, 'r', 'list_members', asMember)).toBe(true);
    expect(openByDefault.manage(ada, 'r', 'list_members', standing(room('private')))).toBe(false);
    expect(openByDefault.manage(ada, 'r', 'manage_members', standing(room('open')))).toBe(false);
    expect(openByDefault.manage(ada, 'r', 'list_members', standing(room('open')))).toBe(true);
    expect(closedByDefault.manage(ada, 'r', 'list_members', standing(null))).toBe(false);
  });
});
