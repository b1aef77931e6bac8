import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { NewNotification, NotificationStore } from '@switchboard/persistence';
import { NotificationBatch, NotificationBroadcast } from '@switchboard/protocol';

/** How often a publisher whose announcement failed tries again to tell the instances to catch up. */
const MISSED_RETRY_MS = 1_000;

/**
 * Publishing a notification: stored per user, then delivered to their open streams on every
 * instance. The one way a notification is made, by the publish API and by offline delivery.
 */
@Injectable()
export class NotificationPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(NotificationPublisher.name);
  /** Counts failed announcements; `told` is the count when the instances were last told of them. */
  private failed = 0;
  private told = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: NotificationStore,
    private readonly bus: MessageBus,
  ) {}

  onApplicationShutdown(): void {
    clearInterval(this.retryTimer);
  }

  /**
   * Resolves once stored and announced. The announcement is made while the recipients are still
   * locked, so live notifications reach each user's streams in id order, from whichever instance
   * publishes them. A failed one is logged, not thrown (stored is delivered): the instances are told
   * on `notifications-missed` as soon as the bus takes it, and before this publisher's next
   * announcement, so their streams catch up from PostgreSQL before they move past it.
   */
  async publish(userIds: readonly string[], content: NewNotification): Promise<NotificationBatch> {
    return this.store.publish(userIds, content, async ({ content, recipients }) => {
      // The store gives every recipient of one publish the same id: it travels once.
      if (recipients.length === 0) return;
      const broadcast: NotificationBroadcast = {
        id: recipients[0].id,
        content,
        userIds: recipients.map(({ userId }) => userId),
      };
      try {
        if (this.failed !== this.told) await this.tellMissed();
        await this.bus.publish('notifications', '', broadcast);
      } catch (error) {
        this.logger.error(
          `fan-out of ${recipients.length} notifications failed: ${(error as Error).message}`,
        );
        this.failed++;
        this.retryTimer ??= setInterval(
          () => void this.tellMissed().catch(() => undefined),
          MISSED_RETRY_MS,
        ).unref();
      }
    });
  }

  /** Only failures counted before the signal went out count as told: a later one is told again. */
  private async tellMissed(): Promise<void> {
    const failed = this.failed;
    await this.bus.publish('notifications-missed', '', {});
    this.told = Math.max(this.told, failed);
    if (this.told === this.failed) {
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    }
  }
}
