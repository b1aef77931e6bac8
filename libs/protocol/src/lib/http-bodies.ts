import { z } from 'zod';
import {
  everyJsonString,
  HAS_CONTROL_CHARACTER,
  HAS_NUL,
  hasNoControlCharacter,
  hasNoNul,
  isWellFormed,
  NOT_WELL_FORMED,
} from './unicode';
import { userId } from './users';

/** Free text stored in PostgreSQL: any character but NUL, valid Unicode. */
const storedText = (maxLength: number) =>
  z.string().max(maxLength).refine(isWellFormed, NOT_WELL_FORMED).refine(hasNoNul, HAS_NUL);

/** `POST /notifications` (server to server): one notification, stored once per listed user. */
export const publishNotificationsBody = z
  .strictObject({
    userIds: z.array(userId).min(1).max(10_000),
    type: z
      .string()
      .min(1)
      .max(64)
      .refine(isWellFormed, NOT_WELL_FORMED)
      .refine(hasNoControlCharacter, HAS_CONTROL_CHARACTER),
    title: storedText(500),
    body: storedText(10_000),
    // jsonb refuses a lone surrogate and NUL (`\u0000`) in any string or key.
    data: z
      .unknown()
      .optional()
      .refine((data) => everyJsonString(data, isWellFormed), NOT_WELL_FORMED)
      .refine((data) => everyJsonString(data, hasNoNul), HAS_NUL),
  })
  .meta({ id: 'PublishNotificationsBody' });
export type PublishNotificationsBody = z.infer<typeof publishNotificationsBody>;

/** The answer to a page request, messages in ascending `seq`. */
export interface MessagePageResponse<M, E = never> {
  messages: M[];
  hasMore: boolean;
  /** With `after`: the edits and deletes in the page's seq range, ascending seq. */
  events?: E[];
}

/** The body of every HTTP error. `parameter` names the offending query or path parameter. */
export interface HttpErrorBody {
  statusCode: number;
  code: string;
  message: string;
  parameter?: string;
  retryAfterMs?: number;
}
