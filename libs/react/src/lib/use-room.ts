import type { AckFrame, ChangeAckFrame } from '@switchboard/protocol';
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { emptyRoom, RoomSnapshot, RoomStore } from './room-store';
import { useSwitchboardContext } from './switchboard-provider';

export interface UseRoomResult extends RoomSnapshot {
  /** Sends a message (shown in `pending` until stored, never stored twice); resolves with the ack. */
  send: (text: string) => Promise<AckFrame>;
  /** Loads the page of messages before the oldest shown, from the history service. */
  loadOlder: () => Promise<void>;
  /** Marks the room read up to `seq` (default: its newest message); resolves with the read position now. */
  markRead: (seq?: number) => Promise<number>;
  /** Says this user is typing: call it on every keystroke (one frame goes out per 2 s at most). */
  startTyping: () => Promise<void>;
  stopTyping: () => Promise<void>;
  edit: (id: string, text: string) => Promise<ChangeAckFrame>;
  remove: (id: string) => Promise<ChangeAckFrame>;
  /** Forgets a refused send shown in `pending`. */
  dismiss: (key: string) => void;
}

const notReady = () => Promise.reject(new Error('the Switchboard client is not ready yet'));

/**
 * A joined room, kept current: messages in seq order, each once, recovered after a reconnect,
 * with edits and deletes applied; members, who is typing, this user's read state. Components using
 * the same room share one join; the room is left when the last one unmounts. `null` joins nothing.
 */
export function useRoom(room: string | null | undefined): UseRoomResult {
  const context = useSwitchboardContext();
  const [store, setStore] = useState<RoomStore | null>(null);

  useEffect(() => {
    if (!context || !room) return;
    const acquired = context.rooms.acquire(room);
    setStore(acquired);
    return () => {
      context.rooms.release(acquired);
      setStore((shown) => (shown === acquired ? null : shown));
    };
  }, [context?.rooms, room]);

  const current = store?.room === room ? store : null;
  const idle = useMemo(() => emptyRoom(room ?? ''), [room]);
  const subscribe = useCallback(
    (listener: () => void) => current?.subscribe(listener) ?? (() => undefined),
    [current],
  );
  const snapshot = useSyncExternalStore(
    subscribe,
    () => current?.getSnapshot() ?? idle,
    () => idle,
  );
  const client = context?.client;

  // The actions keep their identity while the room and client do, so effects can depend on them.
  const actions = useMemo(
    () => ({
      send: (text: string) => current?.send(text) ?? notReady(),
      loadOlder: () => current?.loadOlder() ?? notReady(),
      markRead: (seq?: number) => current?.markRead(seq) ?? notReady(),
      startTyping: () => (client && room ? client.typing(room) : notReady()),
      stopTyping: () => (client && room ? client.stopTyping(room) : notReady()),
      edit: (id: string, text: string) =>
        client && room ? client.edit(room, id, text) : notReady(),
      remove: (id: string) => (client && room ? client.delete(room, id) : notReady()),
      dismiss: (key: string) => current?.dismiss(key),
    }),
    [current, client, room],
  );
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions]);
}
