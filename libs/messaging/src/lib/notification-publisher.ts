import { Injectable, Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { NewNotification, NotificationStore } from '@switchboard/persistence';
import { NotificationBatch } from '@switchboard/protocol';

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

  /** Resolves once stored; a failed live delivery is only logged (stored is delivered: streams resume). */
  async publish(userIds: readonly string[], content: NewNotification): Promise<NotificationBatch> {
    const published = await this.store.publish(userIds, content);
    try {
      await this.bus.publish('notifications', '', published);
    } catch (error) {
      this.logger.error(
        `fan-out of ${published.recipients.length} notifications failed: ${(error as Error).message}`,
      );
    }
    return published;
  }
}
