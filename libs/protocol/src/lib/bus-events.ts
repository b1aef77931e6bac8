import { NotificationContent, NotificationRecipient } from './models';
import { RoomEventFrame } from './server-frames';

/**
 * One stored publish: its content once and each recipient's own id (a 10,000-user publish stays small
 * on Redis). Each instance delivers to the recipients that have a stream open there.
 */
export interface NotificationBatch {
  content: NotificationContent;
  recipients: NotificationRecipient[];
}

/**
 * The bus's channels and their payloads: one source of truth for every service.
 * A channel is a family: `room` carries one sub-channel per room id; `notifications` has one, keyed ''.
 * `room` payloads are exactly the frames sent to clients, so a gateway forwards them without re-serializing.
 */
export interface BusChannels {
  room: RoomEventFrame;
  notifications: NotificationBatch;
}

export type BusChannel = keyof BusChannels;
