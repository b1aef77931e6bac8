import { SwitchboardClient } from '@switchboard/client';
import type { HistoryMessage, InboxRoom } from '@switchboard/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AppConfig } from '../shared/config';
import { createOfflineAwareSocket } from '../shared/offline-aware-socket';
import type { Identity } from '../shared/session';
import { SwitchboardProvider, useConnectionState } from '../shared/switchboard-hooks';
import { tokenSource } from '../shared/tokens';
import { useNotifications } from '../shared/use-notifications';
import { NotificationBell } from './notification-bell';
import { RoomList } from './room-list';
import { RoomView } from './room-view';

const FIRST_ROOM = 'lobby';

export function ChatPage(props: { config: AppConfig; identity: Identity; onSignOut: () => void }) {
  const { config, identity } = props;
  const token = useMemo(() => tokenSource(config, identity), [config, identity]);
  const client = useMemo(
    () =>
      new SwitchboardClient({
        url: config.gatewayUrl,
        token,
        createSocket: createOfflineAwareSocket,
      }),
    [config, token],
  );
  useEffect(() => {
    client.connect().catch(() => undefined);
    return () => client.close();
  }, [client]);
  return (
    <SwitchboardProvider client={client}>
      <Chat {...props} client={client} token={token} />
    </SwitchboardProvider>
  );
}

function Chat(props: {
  config: AppConfig;
  identity: Identity;
  client: SwitchboardClient;
  token: () => Promise<string>;
  onSignOut: () => void;
}) {
  const { config, identity, client, token } = props;
  const state = useConnectionState();
  const notifications = useNotifications(config, token);
  const [inbox, setInbox] = useState<InboxRoom[]>([]);
  const [current, setCurrent] = useState<{ room: string; title: string }>({
    room: FIRST_ROOM,
    title: FIRST_ROOM,
  });
  const [problem, setProblem] = useState<string | null>(null);

  const refreshInbox = useCallback(() => {
    client.inbox().then(setInbox, () => undefined);
  }, [client]);
  useEffect(() => {
    if (state === 'open') refreshInbox();
  }, [state, refreshInbox]);
  useEffect(() => client.on('unread', refreshInbox), [client, refreshInbox]);

  const loadPage = useCallback(
    async (room: string, before: number) => {
      const response = await fetch(
        `${config.historyUrl}/rooms/${encodeURIComponent(room)}/messages?before=${before}&limit=50`,
        { headers: { Authorization: `Bearer ${await token()}` } },
      );
      if (!response.ok) throw new Error(`history: HTTP ${response.status}`);
      return (await response.json()) as { messages: HistoryMessage[]; hasMore: boolean };
    },
    [config, token],
  );

  const openRoom = (room: string) => {
    setProblem(null);
    const entry = inbox.find((candidate) => candidate.room === room);
    setCurrent({ room, title: entry?.direct ? `@ ${entry.direct.user.name}` : room });
    refreshInbox();
  };
  const openDirect = (userId: string) => {
    setProblem(null);
    client.joinDirect(userId).then(
      ({ room, partner }) => {
        setCurrent({ room, title: `@ ${partner.name}` });
        refreshInbox();
      },
      (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)),
    );
  };

  return (
    <div className="chat">
      <header className="top">
        <h1>Switchboard</h1>
        <span className={`connection ${state}`} data-testid="connection-state">
          {state}
        </span>
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
          loadPage={loadPage}
        />
      </div>
    </div>
  );
}
