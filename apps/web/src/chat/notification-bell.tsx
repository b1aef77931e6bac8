import type { UseNotificationsResult } from '@switchboard/react';
import { useState } from 'react';

/** The bell: how many notifications are unread, and the list when opened (opening marks them read). */
export function NotificationBell(props: { view: UseNotificationsResult }) {
  const { view } = props;
  const [open, setOpen] = useState(false);
  const toggle = () => {
    // Read on every device of the user; the count drops when the service confirms.
    if (!open && view.unread > 0) view.markRead().catch(() => undefined);
    setOpen(!open);
  };
  return (
    <div className="bell">
      <button
        onClick={toggle}
        aria-label={`Notifications, ${view.unread} unread`}
        aria-expanded={open}
        data-stream-state={view.status}
      >
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>
        {view.unread > 0 ? (
          <span className="badge" data-testid="notification-count">
            {view.unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <ul className="notifications" data-testid="notifications">
          {view.notifications.length === 0 ? <li>No notifications yet</li> : null}
          {view.notifications.map((notification) => (
            <li key={notification.id} data-testid="notification">
              <strong>{notification.title}</strong>
              <span>{notification.body}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
