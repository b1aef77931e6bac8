import type { NotificationReadState } from '@switchboard/protocol';
import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import type { NotificationsSnapshot } from './notification-feed';
import { useSwitchboardContext } from './switchboard-provider';

export interface UseNotificationsResult extends NotificationsSnapshot {
  /** Marks every notification up to `lastReadId` (default: the newest shown) as read, on every device. */
  markRead: (lastReadId?: string) => Promise<NotificationReadState>;
}

const IDLE: NotificationsSnapshot = {
  notifications: [],
  unread: 0,
  lastReadId: '0',
  status: 'connecting',
  error: undefined,
};

/**
 * The user's notifications over server-sent events (the provider's `notificationsUrl`): the unread
 * ones first, then each new one as it arrives, resumed after reconnects without gaps or repeats.
 * The stream stays open while any component uses it.
 */
export function useNotifications(): UseNotificationsResult {
  const feed = useSwitchboardContext()?.notifications ?? null;

  useEffect(() => {
    if (!feed) return;
    feed.acquire();
    return () => feed.release();
  }, [feed]);

  const subscribe = useCallback(
    (listener: () => void) => feed?.subscribe(listener) ?? (() => undefined),
    [feed],
  );
  const snapshot = useSyncExternalStore(
    subscribe,
    () => feed?.getSnapshot() ?? IDLE,
    () => IDLE,
  );
  const markRead = useCallback(
    (lastReadId?: string) =>
      feed
        ? feed.markRead(lastReadId)
        : Promise.reject(new Error('set notificationsUrl on SwitchboardProvider')),
    [feed],
  );
  return useMemo(() => ({ ...snapshot, markRead }), [snapshot, markRead]);
}
