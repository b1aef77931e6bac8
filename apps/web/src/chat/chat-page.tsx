import {
  SwitchboardProvider,
  useConnectionState,
  useNotifications,
  useSwitchboardClient,
} from '@switchboard/react';
import type { InboxRoom } from '@switchboard/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AppConfig } from '../shared/config';
import { createOfflineAwareSocket } from '../shared/offline-aware-socket';
import type { Identity } from '../shared/session';
import { tokenSource } from '../shared/tokens';
import { NotificationBell } from './notification-bell';
import { RoomList } from './room-list';
import { RoomView } from './room-view';

const FIRST_ROOM = 'lobby';

/** The chat for one signed-in user: one client (remade when the user changes) for the whole page. */
export function ChatPage(props: { config: AppConfig; identity: Identity; onSignOut: () => void }) {
  const { config, identity } = props;
  const token = useMemo(() => tokenSource(config, identity), [config, identity]);
  return (
    <SwitchboardProvider
      key={identity.userId}
      options={{
        url: config.gatewayUrl,
        token,
        createSocket: createOfflineAwareSocket,
        historyUrl: config.historyUrl,
        notificationsUrl: config.notificationsUrl,
        userId: identity.userId,
      }}
    >
      <Chat {...props} />
    </SwitchboardProvider>
  );
}

function Chat(props: { identity: Identity; onSignOut: () => void }) {
  const { identity } = props;
  const client = useSwitchboardClient();
  const { state, error } = useConnectionState();
  const notifications = useNotifications();
  const [inbox, setInbox] = useState<InboxRoom[]>([]);
  const [current, setCurrent] = useState({ room: FIRST_ROOM, title: FIRST_ROOM });
  const [problem, setProblem] = useState<string | null>(null);

  const refreshInbox = useCallback(() => {
    client?.inbox().then(setInbox, () => undefined);
  }, [client]);
  useEffect(() => {
    if (state === 'open') refreshInbox();
  }, [state, refreshInbox]);
  // A message in a room of the user's that is not open: its badge in the list.
  useEffect(() => client?.on('unread', refreshInbox), [client, refreshInbox]);

  const openRoom = (room: string) => {
    setProblem(null);
    const entry = inbox.find((candidate) => candidate.room === room);
    setCurrent({ room, title: entry?.direct ? `@ ${entry.direct.user.name}` : room });
  };
  const openDirect = (userId: string) => {
    if (!client) return;
    setProblem(null);
    client.joinDirect(userId).then(
      ({ room, partner }) => setCurrent({ room, title: `@ ${partner.name}` }),
      (failure: unknown) =>
        setProblem(failure instanceof Error ? failure.message : String(failure)),
    );
  };

  return (
    <div className="chat">
      <header className="top">
        <h1>Switchboard</h1>
        <span className={`connection ${state}`} data-testid="connection-state">
          {state}
        </span>
        {error ? <span className="error">{error.message}</span> : null}
        <NotificationBell view={notifications} />
        <span className="me">
          {identity.name} <small>({identity.userId})</small>
        </span>
        <a href="/dashboard">dashboard</a>
        <button onClick={props.onSignOut}>Sign out</button>
      </header>
      <div className="layout">
        <RoomList inbox={inbox} current={current.room} onOpen={openRoom} onDirect={openDirect} />
        {problem ? <p className="error">{problem}</p> : null}
        <RoomView
          key={current.room}
          room={current.room}
          title={current.title}
          selfId={identity.userId}
          onJoined={refreshInbox}
        />
      </div>
    </div>
  );
}
