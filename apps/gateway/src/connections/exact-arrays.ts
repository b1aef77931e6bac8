/*
 * Small lists held per connection (its rooms, a user's connections), as arrays replaced on each
 * change: one that fits its items takes ~60 B, where a Set takes ~150 B and an array grown by push,
 * spread or filter ~180 B. concat and slice allocate exactly what they hold.
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
