import { z } from 'zod';

/** A notification id as JSON carries it: a positive 64-bit decimal, digits only. */
export const notificationId = z
  .string({ error: 'must be a notification id (digits only)' })
  .regex(/^\d{1,18}$/, 'must be a notification id (digits only)');

/** `POST /notifications/read`: every notification of the caller up to `lastReadId` is read. */
export const markNotificationsReadBody = z
  .strictObject({
    lastReadId: notificationId.describe(
      'the newest notification read; a smaller id than the current one changes nothing',
    ),
  })
  .meta({ id: 'MarkNotificationsReadBody' });
export type MarkNotificationsReadBody = z.infer<typeof markNotificationsReadBody>;

/**
 * How far a user has read their notifications: the answer to `GET /notifications/unread` and
 * `POST /notifications/read`, and the data of the notification stream's `event: read`.
 */
export interface NotificationReadState {
  /** Every notification up to this id is read; '0' when none is. */
  lastReadId: string;
  /** The user's notifications after `lastReadId`. */
  unread: number;
}

export const notificationReadStateSchema: z.ZodType<NotificationReadState> = z
  .object({
    lastReadId: z.string().describe("every notification up to this id is read; '0' when none is"),
    unread: z.number().int().nonnegative().describe('notifications after lastReadId'),
  })
  .meta({ id: 'NotificationReadState' });
