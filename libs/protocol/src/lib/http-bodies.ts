import { z } from 'zod';
import { describeIssues, FrameRejection } from './client-frames';
import { isWellFormed, isWellFormedJson, NOT_WELL_FORMED } from './unicode';

/** `POST /notifications` (server to server): one notification, stored once per listed user. */
export const publishNotificationsBody = z.strictObject({
  userIds: z
    .array(z.string().min(1).max(255).refine(isWellFormed, NOT_WELL_FORMED))
    .min(1)
    .max(10_000),
  type: z.string().min(1).max(64).refine(isWellFormed, NOT_WELL_FORMED),
  title: z.string().max(500).refine(isWellFormed, NOT_WELL_FORMED),
  body: z.string().max(10_000).refine(isWellFormed, NOT_WELL_FORMED),
  data: z.unknown().optional().refine(isWellFormedJson, NOT_WELL_FORMED),
});
export type PublishNotificationsBody = z.infer<typeof publishNotificationsBody>;

export function validatePublishNotificationsBody(
  value: unknown,
): { ok: true; body: PublishNotificationsBody } | { ok: false; error: FrameRejection } {
  const result = publishNotificationsBody.safeParse(value);
  return result.success
    ? { ok: true, body: result.data }
    : { ok: false, error: { code: 'invalid_body', message: describeIssues(result.error) } };
}

/** The answer to a page request, messages in ascending `seq`. */
export interface MessagePageResponse<M> {
  messages: M[];
  hasMore: boolean;
}

/** The body of every HTTP error. `parameter` names the offending query or path parameter. */
export interface HttpErrorBody {
  statusCode: number;
  code: string;
  message: string;
  parameter?: string;
  retryAfterMs?: number;
}
