import type { InboxRoom } from '@switchboard/protocol';
import { FormEvent, useState } from 'react';

const ROOM = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface RoomListProps {
  inbox: InboxRoom[];
  current: string | null;
  onOpen: (room: string) => void;
  onDirect: (userId: string) => void;
}

/** The inbox (rooms the user is a member of), a box to join any room and one to message a user. */
export function RoomList(props: RoomListProps) {
  const [room, setRoom] = useState('');
  const [user, setUser] = useState('');
  const openRoom = (event: FormEvent) => {
    event.preventDefault();
    if (!ROOM.test(room)) return;
    props.onOpen(room);
    setRoom('');
  };
  const openDirect = (event: FormEvent) => {
    event.preventDefault();
    if (!user.trim()) return;
    props.onDirect(user.trim());
    setUser('');
  };
  return (
    <nav className="room-list" aria-label="Rooms">
      <form onSubmit={openRoom}>
        <input
          aria-label="Room name"
          placeholder="join a room…"
          value={room}
          onChange={(event) => setRoom(event.target.value)}
        />
        <button type="submit" disabled={!ROOM.test(room)}>
          Join
        </button>
      </form>
      <form onSubmit={openDirect}>
        <input
          aria-label="Direct message user"
          placeholder="message a user…"
          value={user}
          onChange={(event) => setUser(event.target.value)}
        />
        <button type="submit" disabled={!user.trim()}>
          Message
        </button>
      </form>
      <ul>
        {props.inbox.map((entry) => (
          <li key={entry.room}>
            <button
              className={entry.room === props.current ? 'current' : undefined}
              onClick={() => props.onOpen(entry.room)}
            >
              <span className="room-name">
                {entry.direct ? `@ ${entry.direct.user.name}` : (entry.title ?? entry.room)}
              </span>
              {entry.unread > 0 && entry.room !== props.current ? (
                <span className="badge" aria-label={`${entry.unread} unread`}>
                  {entry.unread}
                </span>
              ) : null}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
