import type { Notification } from '@switchboard/protocol';
import { useEffect, useState } from 'react';
import type { AppConfig } from './config';
import { followEventStream, StreamState } from './event-stream';

export interface NotificationsView {
  notifications: Notification[];
  unread: number;
  state: StreamState;
  markRead: () => void;
}

/** The user's notifications over SSE, newest first; unread are those after the last one marked read. */
export function useNotifications(
  config: AppConfig,
  token: () => Promise<string>,
): NotificationsView {
  const [notifications, setNotifications] = useState<Notification[]>([]);
  const [lastReadId, setLastReadId] = useState<bigint>(0n);
  const [state, setState] = useState<StreamState>('connecting');

  useEffect(() => {
    const seen = new Set<string>();
    return followEventStream({
      url: `${config.notificationsUrl}/notifications/stream`,
      headers: async () => ({ Authorization: `Bearer ${await token()}` }),
      onState: setState,
      onEvent: (event) => {
        if (event.event !== 'notification') return;
        const notification = JSON.parse(event.data) as Notification;
        if (seen.has(notification.id)) return;
        seen.add(notification.id);
        setNotifications((list) => [notification, ...list]);
      },
    });
  }, [config, token]);

  const unread = notifications.filter((n) => BigInt(n.id) > lastReadId).length;
  const markRead = () => {
    const newest = notifications[0];
    if (newest) setLastReadId(BigInt(newest.id));
  };
  return { notifications, unread, state, markRead };
}
