// With the `u` flag a surrogate pair reads as one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /\p{Surrogate}/u;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F]/;

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

/** True when `text` has no control character (U+0000-U+001F, U+007F): identifiers never need one. */
export function hasNoControlCharacter(text: string): boolean {
  return !CONTROL_CHARACTER.test(text);
}

/** The zod issue for a string that fails `hasNoControlCharacter`. */
export const HAS_CONTROL_CHARACTER = {
  message: 'must not contain control characters (U+0000-U+001F, U+007F)',
};

/** True when `text` has no NUL, which PostgreSQL text and jsonb cannot hold. */
export function hasNoNul(text: string): boolean {
  return !text.includes('\u0000');
}

/** The zod issue for a string that fails `hasNoNul`. */
export const HAS_NUL = { message: 'must not contain NUL (U+0000), which cannot be stored' };

/**
 * True when every string and key in a decoded JSON value passes `test`. Walks with its own stack,
 * so a deeply nested value cannot overflow the call stack.
 */
export function everyJsonString(value: unknown, test: (text: string) => boolean): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!test(next)) return false;
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, entry] of Object.entries(next)) {
        if (!test(key)) return false;
        pending.push(entry);
      }
    }
  }
  return true;
}
