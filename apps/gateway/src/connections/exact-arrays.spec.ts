import { appended, removed } from './exact-arrays';

describe('exact arrays', () => {
  it('append into a new array, leaving the old one as it was', () => {
    const rooms = ['r1'];
    expect(appended(rooms, 'r2')).toEqual(['r1', 'r2']);
    expect(appended([], ['nested'])).toEqual([['nested']]);
    expect(rooms).toEqual(['r1']);
  });

  it('remove the first occurrence into a new array, or hand back the same one when absent', () => {
    const rooms = ['r1', 'r2', 'r3'];
    expect(removed(rooms, 'r2')).toEqual(['r1', 'r3']);
    expect(removed(rooms, 'r1')).toEqual(['r2', 'r3']);
    expect(removed(['r1'], 'r1')).toEqual([]);
    expect(removed(rooms, 'r4')).toBe(rooms);
    expect(rooms).toEqual(['r1', 'r2', 'r3']);
  });
});
