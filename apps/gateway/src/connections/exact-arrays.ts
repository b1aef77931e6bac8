/*
 * Small lists held per connection (its rooms, a user's connections), as arrays replaced on each
 * change: one that fits its items takes ~60 B, where a Set takes ~150 B and an array grown by push,
 * spread or filter ~180 B. concat and slice allocate exactly what they hold. A compact list goes
 * further for lists that nearly always hold one item: that item, without an array.
 */

/** A new array: `list` and then `item`. */
export function appended<T>(list: readonly T[], item: T): readonly T[] {
  return list.concat([item]);
}

/** A new array: `list` without its first `item`; `list` itself when it does not hold `item`. */
export function removed<T>(list: readonly T[], item: T): readonly T[] {
  const at = list.indexOf(item);
  return at < 0 ? list : list.slice(0, at).concat(list.slice(at + 1));
}

/**
 * A list that nearly always holds one item (a connection's rooms, a user's connections): undefined
 * when empty, the item itself while it is alone, an exact array of two or more, so the usual case
 * costs no array at all. Its items must not be arrays.
 */
export type CompactList<T> = T | readonly T[] | undefined;

/** The items of a compact list, as an array. */
export function itemsOf<T>(list: CompactList<T>): readonly T[] {
  if (list === undefined) return [];
  return Array.isArray(list) ? (list as readonly T[]) : [list as T];
}

/** `list` and then `item`. */
export function withItem<T>(list: CompactList<T>, item: T): CompactList<T> {
  return list === undefined ? item : appended(itemsOf(list), item);
}

/** `list` without its first `item`; `list` itself when it does not hold `item`. */
export function withoutItem<T>(list: CompactList<T>, item: T): CompactList<T> {
  const items = itemsOf(list);
  const remaining = removed(items, item);
  if (remaining === items) return list;
  return remaining.length === 0 ? undefined : remaining.length === 1 ? remaining[0] : remaining;
}
