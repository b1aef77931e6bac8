import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { LongPollWaiters } from '@switchboard/long-poll';
import { NotificationStore } from '@switchboard/persistence';
import { Notification, NotificationBroadcast } from '@switchboard/protocol';
import type { ServerResponse } from 'node:http';

export interface NotificationPage {
  notifications: Notification[];
  hasMore: boolean;
}

/**
 * A user's notifications after an id, page by page: at once (short polling) or held until one is
 * published (long polling). One bus subscription for the instance wakes the held requests of each
 * recipient.
 */
@Injectable()
export class NotificationPages implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly wakersByUser = new Map<string, Set<(id: bigint) => void>>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly store: NotificationStore,
    private readonly bus: MessageBus,
    private readonly waiters: LongPollWaiters,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe('notifications', '', (batch) => this.wake(batch));
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /**
   * The user's notifications with an id greater than `after`, oldest first. With `wait`, an empty
   * page is not answered at once but when one is published for the user, or empty after `wait.ms`.
   */
  async list(
    userId: string,
    after: string,
    pageSize: number,
    wait?: { ms: number; response: ServerResponse },
  ): Promise<NotificationPage> {
    const read = async (): Promise<NotificationPage> => {
      const notifications = await this.store.listAfter(userId, after, pageSize + 1);
      return {
        notifications: notifications.slice(0, pageSize),
        hasMore: notifications.length > pageSize,
      };
    };
    if (wait === undefined) return read();
    const afterId = BigInt(after);
    return this.waiters.hold({
      waitMs: wait.ms,
      response: wait.response,
      watch: async (wake) =>
        this.watch(userId, (id) => {
          if (id > afterId) wake();
        }),
      read,
      answers: (page) => page.notifications.length > 0,
    });
  }

  private watch(userId: string, onId: (id: bigint) => void): () => void {
    const wakers = this.wakersByUser.get(userId) ?? new Set<(id: bigint) => void>();
    this.wakersByUser.set(userId, wakers);
    wakers.add(onId);
    return () => {
      wakers.delete(onId);
      if (wakers.size === 0) this.wakersByUser.delete(userId);
    };
  }

  private wake({ id: idText, userIds }: NotificationBroadcast): void {
    if (this.wakersByUser.size === 0) return;
    const id = BigInt(idText);
    for (const userId of userIds) {
      const wakers = this.wakersByUser.get(userId);
      if (!wakers) continue;
      for (const waker of wakers) waker(id);
    }
  }
}
