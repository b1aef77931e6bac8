import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { NewNotification, NotificationStore } from '@switchboard/persistence';
import { NotificationBatch, NotificationBroadcast } from '@switchboard/protocol';

/** How often each publishing instance settles announcements that other publishers left owed. */
const OWED_SWEEP_MS = 1_000;

/**
 * Publishing a notification: stored per user, then delivered to their open streams on every
 * instance. The one way a notification is made, by the publish API and by offline delivery.
 */
@Injectable()
export class NotificationPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationPublisher.name);
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly store: NotificationStore,
    private readonly bus: MessageBus,
  ) {}

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => void this.settleOwed(), OWED_SWEEP_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  /**
   * Resolves once stored and announced. The announcement is made while the recipients are still
   * locked, so live notifications reach each user's streams in id order, from whichever instance
   * publishes them. A failed one is logged, not thrown (stored is delivered): it stays owed in
   * PostgreSQL, and the next publish to the same lock buckets, or the sweep of any instance, tells
   * every instance on `notifications-missed` so their streams catch up before they move past it.
   */
  async publish(userIds: readonly string[], content: NewNotification): Promise<NotificationBatch> {
    return this.store.publish(userIds, content, async ({ content, recipients }, owedBefore) => {
      // The store gives every recipient of one publish the same id: it travels once.
      if (recipients.length === 0) return true;
      const broadcast: NotificationBroadcast = {
        id: recipients[0].id,
        content,
        userIds: recipients.map(({ userId }) => userId),
      };
      try {
        if (owedBefore) await this.bus.publish('notifications-missed', '', {});
        await this.bus.publish('notifications', '', broadcast);
        return true;
      } catch (error) {
        this.logger.error(
          `fan-out of ${recipients.length} notifications failed, owed until the bus takes it: ${(error as Error).message}`,
        );
        return false;
      }
    });
  }

  /**
   * One sweep: announcements owed by publishers that died after their commit or whose bus refused.
   * With PostgreSQL or the bus down it settles nothing and the next sweep tries again.
   */
  async settleOwed(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const settled = await this.store.settleOwed(() =>
        this.bus.publish('notifications-missed', '', {}),
      );
      if (settled > 0)
        this.logger.warn(`${settled} owed notification announcements settled: streams catch up`);
    } catch {
      // Retried by the next sweep; the outage itself is reported where it is met.
    } finally {
      this.sweeping = false;
    }
  }
}
