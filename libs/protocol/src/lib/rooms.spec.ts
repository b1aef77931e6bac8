import { parseClientFrame } from './client-frames';
import { isDirectRoomId, putRoomBody, putRoomMemberBody } from './rooms';

const frame = (value: unknown) => {
  const parsed = parseClientFrame(JSON.stringify(value));
  return parsed.ok ? parsed.frame : parsed.error.code;
};

describe('room frames', () => {
  it('accepts join_direct with a user id, and leave with forget', () => {
    expect(frame({ type: 'join_direct', user: 'bob' })).toEqual({
      type: 'join_direct',
      user: 'bob',
    });
    expect(frame({ type: 'leave', room: 'lobby', forget: true })).toEqual({
      type: 'leave',
      room: 'lobby',
      forget: true,
    });
    expect(frame({ type: 'leave', room: 'lobby', forget: false })).toMatchObject({
      forget: false,
    });
  });

  it.each([
    ['no user', { type: 'join_direct' }],
    ['an empty user', { type: 'join_direct', user: '' }],
    ['a user over 255 characters', { type: 'join_direct', user: 'u'.repeat(256) }],
    ['a control character in the user', { type: 'join_direct', user: 'bo\u0000b' }],
    ['a lone surrogate in the user', { type: 'join_direct', user: 'b\ud800' }],
    ['a number for the user', { type: 'join_direct', user: 7 }],
    ['a room besides the user', { type: 'join_direct', user: 'bob', room: 'lobby' }],
    ['a forget that is not a boolean', { type: 'leave', room: 'lobby', forget: 'yes' }],
  ])('refuses %s with invalid_message', (_label, value) => {
    expect(frame(value)).toBe('invalid_message');
  });
});

describe('room management bodies', () => {
  it('accepts open or private with an optional or null title, and a role that defaults to member', () => {
    expect(putRoomBody.parse({ access: 'private', title: 'Team' })).toEqual({
      access: 'private',
      title: 'Team',
    });
    expect(putRoomBody.parse({ access: 'open' })).toEqual({ access: 'open' });
    expect(putRoomBody.parse({ access: 'open', title: null })).toEqual({
      access: 'open',
      title: null,
    });
    expect(putRoomMemberBody.parse({})).toEqual({ role: 'member' });
    expect(putRoomMemberBody.parse({ role: 'admin' })).toEqual({ role: 'admin' });
  });

  it.each([
    [{}],
    [{ access: 'direct' }],
    [{ access: 'secret' }],
    [{ access: 'open', title: '' }],
    [{ access: 'open', title: 't'.repeat(201) }],
    [{ access: 'open', title: 'a\u0007b' }],
    [{ access: 'open', extra: 1 }],
  ])('refuses the room body %j', (body) => {
    expect(putRoomBody.safeParse(body).success).toBe(false);
  });

  it.each([[{ role: 'owner' }], [{ role: null }], [{ role: 'admin', extra: true }]])(
    'refuses the member body %j',
    (body) => {
      expect(putRoomMemberBody.safeParse(body).success).toBe(false);
    },
  );

  it('reserves the dm: prefix for direct rooms', () => {
    expect(isDirectRoomId('dm:abc')).toBe(true);
    expect(isDirectRoomId('lobby')).toBe(false);
    expect(isDirectRoomId('xdm:abc')).toBe(false);
  });
});
