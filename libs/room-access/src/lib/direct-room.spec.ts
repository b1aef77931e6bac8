import { PROTOCOL_LIMITS } from '@switchboard/protocol';
import { directRoomOf } from './direct-room';

describe('directRoomOf', () => {
  it('gives both users the same room, their ids in canonical order', () => {
    const one = directRoomOf('bob', 'ada');
    expect(directRoomOf('ada', 'bob')).toEqual(one);
    expect(one.users).toEqual(['ada', 'bob']);
  });

  // The SHA-256 of '["ada","bob"]' in base64url: a change here would move every direct room.
  it('is stable: the id depends on the two ids only', () => {
    expect(directRoomOf('ada', 'bob').room).toBe('dm:hY7ahAmJ_xhAtO0H-TNPuj-Ik5SF7xahzKEnkUL28Ho');
  });

  it('keeps pairs apart that a plain concatenation would not', () => {
    expect(directRoomOf('a', 'b:c').room).not.toBe(directRoomOf('a:b', 'c').room);
    expect(directRoomOf('ada', 'bob').room).not.toBe(directRoomOf('ada', 'bobby').room);
  });

  it('is a valid room id even for the longest user ids', () => {
    const room = directRoomOf('u'.repeat(255), '\u{1F600}'.repeat(127)).room;
    expect(room).toMatch(PROTOCOL_LIMITS.roomPattern);
    expect(room.startsWith('dm:')).toBe(true);
  });
});
