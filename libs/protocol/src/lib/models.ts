/** A user as other clients see them. */
export interface UserRef {
  id: string;
  name: string;
}

/** A stored chat message. `ts` is milliseconds since the Unix epoch (server commit time). */
export interface ChatMessage {
  id: string;
  room: string;
  seq: number;
  user: UserRef;
  text: string;
  ts: number;
  clientMsgId: string | null;
}

/** A stored notification for one user. `id` grows with every notification of that user. */
export interface Notification {
  id: string;
  userId: string;
  type: string;
  title: string;
  body: string;
  data: unknown;
  ts: number;
}

/** What every recipient of one publish shares: the notification without its per-user id. */
export type NotificationContent = Omit<Notification, 'id' | 'userId'>;

/** One recipient of a publish and the id its notification got. */
export interface NotificationRecipient {
  id: string;
  userId: string;
}
