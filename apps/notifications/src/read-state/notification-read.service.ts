import { Injectable, Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { RepeatedFailureLog } from '@switchboard/observability';
import { NotificationStore } from '@switchboard/persistence';
import { NotificationReadState } from '@switchboard/protocol';

/** A user's notification read state: how far they have read, and moving it (told to all their streams). */
@Injectable()
export class NotificationReadService {
  // A bus outage fails every announcement: logged once per interval.
  private readonly announceFailures = new RepeatedFailureLog(
    new Logger(NotificationReadService.name),
  );

  constructor(
    private readonly store: NotificationStore,
    private readonly bus: MessageBus,
  ) {}

  state(userId: string): Promise<NotificationReadState> {
    return this.store.readState(userId);
  }

  /**
   * Everything up to `lastReadId` is read (never back; past the newest is the newest). A position
   * that moved is announced to every stream of the user, on every instance, as `event: read`.
   */
  async markRead(userId: string, lastReadId: string): Promise<NotificationReadState> {
    const { moved, ...state } = await this.store.markRead(userId, lastReadId);
    if (moved) await this.announce(userId, state);
    return state;
  }

  /** A stored read stands without its announcement: a retry would move nothing and announce nothing. */
  private async announce(userId: string, state: NotificationReadState): Promise<void> {
    try {
      await this.bus.publish('notification-read', '', { userId, ...state });
    } catch (error) {
      this.announceFailures.record('notification read announcement failed', error);
    }
  }
}
