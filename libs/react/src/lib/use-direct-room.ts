import type { UserRef } from '@switchboard/protocol';
import { useEffect, useState } from 'react';
import { useRoom, UseRoomResult } from './use-room';
import { useSwitchboardContext } from './switchboard-provider';
import { useConnectionState } from './use-connection-state';

export interface UseDirectRoomResult extends UseRoomResult {
  /** The other user, once the direct room is known. */
  partner: UserRef | undefined;
  /** Why the direct room could not be opened (for example, a direct room with yourself). */
  directError: Error | undefined;
}

/**
 * The direct room of this user and `user` (made on first use), as `useRoom` shows a room. Its id
 * is the server's, the same for both users; `room` is empty until it is known.
 */
export function useDirectRoom(user: string | null | undefined): UseDirectRoomResult {
  const context = useSwitchboardContext();
  const [direct, setDirect] = useState<{ user: string; room: string; partner: UserRef }>();
  const [directError, setDirectError] = useState<Error>();
  const client = context?.client;
  // The client refuses requests until it is open; once known, the room id never changes.
  const open = useConnectionState().state === 'open';
  const known = direct?.user === user ? direct : undefined;

  useEffect(() => {
    if (!client || !user || !open || known) return;
    let current = true;
    setDirectError(undefined);
    client.joinDirect(user).then(
      (joined) => {
        if (current) setDirect({ user, room: joined.room, partner: joined.partner });
      },
      (error: unknown) => {
        if (current) setDirectError(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return () => {
      current = false;
    };
  }, [client, user, open, known]);

  // The join above made the client follow the room; useRoom's join holds it for the components.
  const room = useRoom(known?.room);
  return { ...room, partner: known?.partner, directError };
}
