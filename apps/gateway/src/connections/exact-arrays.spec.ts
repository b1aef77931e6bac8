import { appended, CompactList, itemsOf, removed, withItem, withoutItem } from './exact-arrays';

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

  it('hold no array for an empty or one-item compact list, an exact one for more', () => {
    const one = withItem(undefined, 'r1');
    expect(one).toBe('r1');
    const two = withItem(one, 'r2');
    expect(two).toEqual(['r1', 'r2']);
    expect(itemsOf(two)).toBe(two);
    expect(itemsOf(one)).toEqual(['r1']);
    expect(itemsOf(undefined)).toEqual([]);

    expect(withoutItem(two, 'r1')).toBe('r2');
    expect(withoutItem(withItem(two, 'r3'), 'r2')).toEqual(['r1', 'r3']);
    expect(withoutItem(one, 'r1')).toBeUndefined();
    expect(two).toEqual(['r1', 'r2']);
  });

  it('hand back the same compact list when the item to remove is not in it', () => {
    const lists: CompactList<string>[] = [undefined, 'r1', ['r1', 'r2']];
    for (const list of lists) expect(withoutItem(list, 'r9')).toBe(list);
  });
});
