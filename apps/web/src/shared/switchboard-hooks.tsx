import type { ConnectionState, SwitchboardClient } from '@switchboard/client';
import type { HistoryMessage, UserRef } from '@switchboard/protocol';
import { createContext, ReactNode, useCallback, useContext, useEffect, useState } from 'react';

const ClientContext = createContext<SwitchboardClient | null>(null);

export function SwitchboardProvider(props: { client: SwitchboardClient; children: ReactNode }) {
  return <ClientContext.Provider value={props.client}>{props.children}</ClientContext.Provider>;
}

export function useSwitchboardClient(): SwitchboardClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useSwitchboardClient needs a SwitchboardProvider above it');
  return client;
}

export function useConnectionState(): ConnectionState {
  const client = useSwitchboardClient();
  const [state, setState] = useState(client.connectionState);
  useEffect(() => {
    setState(client.connectionState);
    return client.on('state', setState);
  }, [client]);
  return state;
}

export type RoomStatus = 'joining' | 'joined' | 'error';

export interface RoomView {
  messages: HistoryMessage[];
  members: UserRef[];
  typing: UserRef[];
  status: RoomStatus;
  error: string | null;
  hasOlder: boolean;
  send: (text: string) => Promise<void>;
  notifyTyping: () => void;
  loadOlder: () => Promise<void>;
}

/** Messages by seq, each once: later copies (an edit's current text) replace earlier ones. */
function mergeBySeq(current: HistoryMessage[], incoming: HistoryMessage[]): HistoryMessage[] {
  const bySeq = new Map(current.map((message) => [message.seq, message]));
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Joined while mounted: history, live messages, members and typing of one room. */
export function useRoom(
  room: string,
  loadPage: (before: number) => Promise<{ messages: HistoryMessage[]; hasMore: boolean }>,
): RoomView {
  const client = useSwitchboardClient();
  const [messages, setMessages] = useState<HistoryMessage[]>([]);
  const [members, setMembers] = useState<UserRef[]>([]);
  const [typing, setTyping] = useState<UserRef[]>([]);
  const [status, setStatus] = useState<RoomStatus>('joining');
  const [error, setError] = useState<string | null>(null);
  const [hasOlder, setHasOlder] = useState(false);

  useEffect(() => {
    let active = true;
    setMessages([]);
    setMembers([]);
    setTyping([]);
    setStatus('joining');
    const ours = (r: string) => active && r === room;
    const stops = [
      client.on('message', (message) => {
        if (ours(message.room)) setMessages((list) => mergeBySeq(list, [message]));
      }),
      client.on('messageEdited', (event) => {
        if (!ours(event.room)) return;
        setMessages((list) =>
          list.map((m) =>
            m.id === event.id && !('deleted' in m)
              ? { ...m, text: event.text, editedAt: event.editedAt }
              : m,
          ),
        );
      }),
      client.on('messageDeleted', (event) => {
        if (!ours(event.room)) return;
        setMessages((list) =>
          list.map((m) => {
            if (m.id !== event.id) return m;
            const { id, room: r, seq, user, ts, clientMsgId } = m;
            return { id, room: r, seq, user, ts, clientMsgId, deleted: true as const };
          }),
        );
      }),
      client.on('userJoined', (r, user) => {
        if (ours(r))
          setMembers((list) => (list.some((u) => u.id === user.id) ? list : [...list, user]));
      }),
      client.on('userLeft', (r, user) => {
        if (ours(r)) setMembers((list) => list.filter((u) => u.id !== user.id));
      }),
      client.on('typing', (r, user) => {
        if (ours(r))
          setTyping((list) => (list.some((u) => u.id === user.id) ? list : [...list, user]));
      }),
      client.on('typingStopped', (r, user) => {
        if (ours(r)) setTyping((list) => list.filter((u) => u.id !== user.id));
      }),
    ];
    client.join(room).then(
      (joined) => {
        if (!active) return;
        setMessages((list) => mergeBySeq(joined.messages, list));
        setMembers(joined.members);
        setHasOlder((joined.messages[0]?.seq ?? 1) > 1);
        setStatus('joined');
      },
      (failure: unknown) => {
        if (!active) return;
        setStatus('error');
        setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
    return () => {
      active = false;
      for (const stop of stops) stop();
      client.leave(room).catch(() => undefined);
    };
  }, [client, room]);

  const send = useCallback(
    async (text: string) => void (await client.send(room, text)),
    [client, room],
  );
  const notifyTyping = useCallback(
    () => void client.typing(room).catch(() => undefined),
    [client, room],
  );
  const loadOlder = useCallback(async () => {
    const first = messages[0]?.seq;
    if (first === undefined || first <= 1) return;
    const page = await loadPage(first);
    setMessages((list) => mergeBySeq(page.messages, list));
    setHasOlder(page.hasMore);
  }, [messages, loadPage]);

  return { messages, members, typing, status, error, hasOlder, send, notifyTyping, loadOlder };
}
