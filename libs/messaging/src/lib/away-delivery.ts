import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { ReadStateStore, RoomRecord, RoomStore } from '@switchboard/persistence';
import { PresenceStore } from '@switchboard/presence';
import { ChatMessage, MessageNotificationData } from '@switchboard/protocol';
import { RepeatedFailureLog } from '@switchboard/observability';
import { NotificationPublisher } from './notification-publisher';

/** Rooms this instance remembers; past it the oldest is forgotten (and read again when needed). */
const ROOM_CACHE_SIZE = 100_000;

/** How much of a message's text a notification carries. */
export const PREVIEW_LENGTH = 140;

/** The first `PREVIEW_LENGTH` characters (code points, so no emoji is cut in half). */
export function previewOf(text: string): string {
  return Array.from(text).slice(0, PREVIEW_LENGTH).join('');
}

/**
 * What reaches the members of a private or direct room who are not in it when a message arrives:
 * a stored notification for those with no connection anywhere, an `unread` frame on every
 * connection of those connected elsewhere. Open rooms have no one to tell.
 */
@Injectable()
export class AwayDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  // A database or Redis outage fails every delivery: logged once per interval, not per message.
  private readonly failures = new RepeatedFailureLog(new Logger(AwayDelivery.name));
  /**
   * Each room as stored (`null`: no row, so open), read once: most messages are in open rooms and must
   * not cost a query each. A change of a room is announced on the bus and forgets it here.
   */
  private readonly roomCache = new Map<string, RoomRecord | null>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly rooms: RoomStore,
    private readonly presence: PresenceStore,
    private readonly readState: ReadStateStore,
    private readonly notifications: NotificationPublisher,
    private readonly bus: MessageBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe('room-access', '', (change) => {
      if (change.type === 'access_changed') this.roomCache.delete(change.room);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Starts the delivery without waiting for it, so no sender's ack waits on absent members. */
  dispatch(message: ChatMessage): void {
    this.deliver(message).catch((error: unknown) =>
      this.failures.record('delivery to absent members failed', error),
    );
  }

  async deliver(message: ChatMessage): Promise<void> {
    const room = await this.roomOf(message.room);
    if (room === null || room.access === 'open') return;
    const others = (await this.rooms.members(message.room))
      .map(({ userId }) => userId)
      .filter((userId) => userId !== message.user.id);
    if (others.length === 0) return;
    // Online anywhere and joined anywhere: two reads of the presence store, in parallel.
    const [statuses, joined] = await Promise.all([
      this.presence.statusOf(others),
      this.presence.members(message.room),
    ]);
    const inRoom = new Set(joined.map(({ id }) => id));
    const offline = statuses.filter(({ online }) => !online).map(({ id }) => id);
    const elsewhere = statuses
      .filter(({ id, online }) => online && !inRoom.has(id))
      .map(({ id }) => id);
    await Promise.all([
      this.notifyOffline(
        offline,
        message,
        room.access === 'direct' ? null : (room.title ?? room.room),
      ),
      ...elsewhere.map((userId) => this.tellUnread(userId, message)),
    ]);
  }

  private async roomOf(room: string): Promise<RoomRecord | null> {
    const known = this.roomCache.get(room);
    if (known !== undefined) return known;
    const record = await this.rooms.find(room);
    if (this.roomCache.size >= ROOM_CACHE_SIZE) {
      this.roomCache.delete(this.roomCache.keys().next().value as string);
    }
    this.roomCache.set(room, record);
    return record;
  }

  private async notifyOffline(
    userIds: string[],
    message: ChatMessage,
    roomName: string | null,
  ): Promise<void> {
    if (userIds.length === 0) return;
    const preview = previewOf(message.text);
    const data: MessageNotificationData = {
      room: message.room,
      seq: message.seq,
      id: message.id,
      from: message.user,
      preview,
    };
    await this.notifications.publish(userIds, {
      type: 'message',
      title: roomName === null ? message.user.name : `${message.user.name} in ${roomName}`,
      body: preview,
      data,
    });
  }

  private async tellUnread(userId: string, message: ChatMessage): Promise<void> {
    const position = await this.readState.position(message.room, userId);
    // Removed since the members were read: nothing to count for them.
    if (position === null) return;
    await this.bus.publish('user-status', '', {
      to: [userId],
      frame: { type: 'unread', room: message.room, unread: position.unread, lastMessage: message },
    });
  }
}
