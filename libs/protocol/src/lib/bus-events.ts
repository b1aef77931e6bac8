import { Notification } from './models';
import { RoomEventFrame } from './server-frames';

/** A batch of stored notifications; each instance delivers the ones whose user has a stream open there. */
export interface NotificationBatch {
  notifications: Notification[];
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
