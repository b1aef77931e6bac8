import { NotificationContent, NotificationRecipient } from './models';
import { RoomEventFrame, StatusFrame, UnreadFrame } from './server-frames';

/** One stored publish: its content once and each recipient with the id its notification got. */
export interface NotificationBatch {
  content: NotificationContent;
  recipients: NotificationRecipient[];
}

/**
 * One stored publish on the bus: its content and its id (every recipient's notification has the
 * same id) once, then the recipients' user ids, so a 10,000-user publish stays small on Redis. Each
 * instance delivers to the recipients that have a stream open there.
 */
export interface NotificationBroadcast {
  id: string;
  content: NotificationContent;
  userIds: string[];
}

/**
 * A change that may take rooms away from users: every gateway evicts the connections it concerns.
 * `member_removed`: the user is no longer a member; `access_changed`: the room's access changed, so
 * each user in it is checked again.
 */
export type RoomAccessChange =
  | { type: 'member_removed'; room: string; userId: string }
  | { type: 'access_changed'; room: string };

/**
 * The bus's channels and their payloads: one source of truth for every service.
 * A channel is a family: `room` carries one sub-channel per room id; `notifications` has one, keyed ''.
 * `room` payloads are exactly the frames sent to clients, so a gateway forwards them without re-serializing.
 */
export interface BusChannels {
  room: RoomEventFrame;
  notifications: NotificationBroadcast;
  /**
   * One topic, keyed '': a publisher could not announce a stored notification, so every instance
   * catches its streams up from PostgreSQL.
   */
  'notifications-missed': Record<string, never>;
  /** One topic, keyed ''. */
  'room-access': RoomAccessChange;
  /**
   * One topic, keyed '': a frame for every connection of the users in `to` (a user's status change,
   * or an unread count in a room they have not joined).
   */
  'user-status': { to: string[]; frame: StatusFrame | UnreadFrame };
  /** One topic, keyed ''. */
  'notification-read': NotificationReadMoved;
  /** One topic, keyed '': every instance's snapshot, every second. */
  stats: InstanceStats;
}

export type BusChannel = keyof BusChannels;

/** A user's notification read position moved: every stream of theirs, on every instance, is told. */
export interface NotificationReadMoved {
  userId: string;
  lastReadId: string;
  unread: number;
}

/**
 * One instance's live figures over its last window (about a second), published every second on
 * `stats` for the admin dashboard. Rates are per second; latency is the time to write one broadcast
 * to every local receiver, its percentiles null when the window had no broadcast.
 */
export interface InstanceStats {
  instanceId: string;
  service: 'gateway' | 'notifications';
  /** When the window ended, epoch milliseconds. */
  ts: number;
  windowMs: number;
  /** Open WebSocket connections (0 on a notification instance). */
  connections: number;
  /** Open notification streams (0 on a gateway). */
  sseStreams: number;
  /** Chat messages fanned out by a gateway; notifications received for delivery by a notification instance. */
  messagesPerSecond: number;
  /** Frames written to clients (WebSocket frames or SSE events). */
  deliveriesPerSecond: number;
  broadcastLatencyMs: { p50: number; p95: number; p99: number } | null;
}
