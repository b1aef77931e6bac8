import { Injectable, Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { ReadStateStore, RoomStore } from '@switchboard/persistence';
import { PresenceStore } from '@switchboard/presence';
import { ChatMessage, MessageNotificationData } from '@switchboard/protocol';
import { RepeatedFailureLog } from '@switchboard/observability';
import { NotificationPublisher } from './notification-publisher';

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
export class AwayDelivery {
  // A database or Redis outage fails every delivery: logged once per interval, not per message.
  private readonly failures = new RepeatedFailureLog(new Logger(AwayDelivery.name));

  constructor(
    private readonly rooms: RoomStore,
    private readonly presence: PresenceStore,
    private readonly readState: ReadStateStore,
    private readonly notifications: NotificationPublisher,
    private readonly bus: MessageBus,
  ) {}

  /** Starts the delivery without waiting for it, so no sender's ack waits on absent members. */
  dispatch(message: ChatMessage): void {
    this.deliver(message).catch((error: unknown) =>
      this.failures.record('delivery to absent members failed', error),
    );
  }

  async deliver(message: ChatMessage): Promise<void> {
    const room = await this.rooms.find(message.room);
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
