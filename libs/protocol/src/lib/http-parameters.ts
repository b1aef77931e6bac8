import { z } from 'zod';
import { PROTOCOL_LIMITS } from './limits';
import { notificationId } from './notification-read';
import { userId } from './users';

// The HTTP APIs' path and query parameters. A refused value is a 400 `invalid_parameter` whose
// `parameter` names it and whose message is the name followed by the one rule given here.

/** A whole number in bounds, as a query string carries it (digits only). */
function wholeNumber(min: number, max: number) {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ error: rule })
    .refine((raw) => /^\d{1,15}$/.test(raw) && Number(raw) >= min && Number(raw) <= max, {
      error: rule,
    })
    .transform(Number);
}

const seqParameter = wholeNumber(0, Number.MAX_SAFE_INTEGER);
const limitParameter = wholeNumber(1, PROTOCOL_LIMITS.pageMax).default(PROTOCOL_LIMITS.pageDefault);
/** Long polling: seconds to hold a request; 0 answers at once. */
const waitParameter = wholeNumber(0, PROTOCOL_LIMITS.longPollMaxWaitSeconds);

/** A notification id: a positive 64-bit decimal, read as its canonical decimal string. */
export const notificationIdParameter = notificationId.transform((raw) => String(BigInt(raw)));

/** A `:room` path parameter. */
export const roomParameter = z
  .string()
  .regex(PROTOCOL_LIMITS.roomPattern, `must match ${PROTOCOL_LIMITS.roomPattern.source}`);

/** A `:userId` path parameter, with the rule of every user id. */
export const userIdParameter = z.string().refine((value) => userId.safeParse(value).success, {
  error: 'must be 1-255 characters of valid Unicode without control characters',
});

/**
 * `GET /rooms/:room/messages`: `before` pages back, `after` forward, neither is the newest page;
 * `wait` (long polling) needs `after` and no `before`.
 */
export const messagePageQuery = z
  .object({
    before: seqParameter.optional(),
    after: seqParameter.optional(),
    limit: limitParameter,
    wait: waitParameter.optional(),
  })
  .refine((query) => !query.wait || (query.after !== undefined && query.before === undefined), {
    path: ['wait'],
    error: 'needs after (the last seq the client has) and no before',
  });
export type MessagePageQuery = z.output<typeof messagePageQuery>;

/** `GET /notifications`: the caller's notifications after `after`, oldest first. */
export const notificationPageQuery = z.object({
  after: notificationIdParameter.default('0'),
  limit: limitParameter,
  wait: waitParameter.optional(),
});
export type NotificationPageQuery = z.output<typeof notificationPageQuery>;

/** The `Last-Event-ID` header: an empty one is the same as none (the query parameter counts then). */
export const lastEventIdHeader = z.preprocess(
  (value) => (value === '' ? undefined : value),
  notificationIdParameter.optional(),
);
