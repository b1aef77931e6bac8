// With the `u` flag a surrogate pair reads as one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * True when `text` is valid Unicode: no lone surrogate (`"\ud800"`), which UTF-8, and so PostgreSQL,
 * cannot hold; storing U+FFFD in its place would store something other than what was acknowledged.
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** The zod issue for a string that fails `isWellFormed`. */
export const NOT_WELL_FORMED = {
  message: 'must be valid Unicode: a lone surrogate (\\uD800-\\uDFFF) cannot be stored',
};

/**
 * True when every string and key in a decoded JSON value is valid Unicode. Walks with its own stack,
 * so a deeply nested value cannot overflow the call stack.
 */
export function isWellFormedJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!isWellFormed(next)) return false;
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, entry] of Object.entries(next)) {
        if (!isWellFormed(key)) return false;
        pending.push(entry);
      }
    }
  }
  return true;
}
