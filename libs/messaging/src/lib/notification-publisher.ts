import { Injectable, Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { NewNotification, NotificationStore } from '@switchboard/persistence';
import { NotificationBatch, NotificationBroadcast } from '@switchboard/protocol';

/**
 * Publishing a notification: stored per user, then delivered to their open streams on every
 * instance. The one way a notification is made, by the publish API and by offline delivery.
 */
@Injectable()
export class NotificationPublisher {
  private readonly logger = new Logger(NotificationPublisher.name);

  constructor(
    private readonly store: NotificationStore,
    private readonly bus: MessageBus,
  ) {}

  /**
   * Resolves once stored and announced; a failed live delivery is only logged (stored is delivered:
   * streams resume). The announcement is made while the recipients are still locked, so live
   * notifications reach each user's streams in id order, from whichever instance publishes them.
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
        await this.bus.publish('notifications', '', broadcast);
      } catch (error) {
        this.logger.error(
          `fan-out of ${recipients.length} notifications failed: ${(error as Error).message}`,
        );
      }
    });
  }
}
