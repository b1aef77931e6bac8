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
  /** When the text was last edited (milliseconds since the epoch); absent on a message never edited. */
  editedAt?: number;
}

/** A deleted message in history: it keeps its place (its seq) and loses its text. */
export interface DeletedMessage extends Omit<ChatMessage, 'text' | 'editedAt'> {
  deleted: true;
}

/** A message as history shows it: in its current state. */
export type HistoryMessage = ChatMessage | DeletedMessage;

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

/**
 * The `data` of a `type: "message"` notification: a message stored in a private or direct room while
 * the member had no connection open. `preview` is the text's first 140 characters.
 */
export interface MessageNotificationData {
  room: string;
  seq: number;
  id: string;
  from: UserRef;
  preview: string;
}

/** What every recipient of one publish shares: the notification without its per-user id. */
export type NotificationContent = Omit<Notification, 'id' | 'userId'>;

/** One recipient of a publish and the id its notification got. */
export interface NotificationRecipient {
  id: string;
  userId: string;
}
