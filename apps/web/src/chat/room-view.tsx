import { useRoom } from '@switchboard/react';
import { FormEvent, useEffect, useRef, useState } from 'react';

export interface RoomViewProps {
  room: string;
  title: string;
  selfId: string;
  /** Called once the room is joined (it is then in the user's inbox). */
  onJoined: () => void;
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * One room: scrollback (older pages from history), live messages, sends not stored yet, members,
 * who is typing, a composer. What is shown is marked read.
 */
export function RoomView(props: RoomViewProps) {
  const { onJoined } = props;
  const view = useRoom(props.room);
  const [draft, setDraft] = useState('');
  const [sendError, setSendError] = useState<string | null>(null);
  const bottom = useRef<HTMLLIElement>(null);
  const newest = view.messages.at(-1)?.seq;
  const joined = view.status === 'joined';
  const { markRead, unread } = view;

  useEffect(() => {
    if (joined) onJoined();
  }, [joined, onJoined]);
  useEffect(() => {
    if (joined && unread > 0) markRead().catch(() => undefined);
  }, [joined, unread, markRead]);
  // A block body: Chromium's scrollIntoView returns a promise, which React would take for a cleanup.
  useEffect(() => {
    void bottom.current?.scrollIntoView({ block: 'end' });
  }, [newest, view.pending.length]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft;
    if (!text.trim()) return;
    setDraft('');
    setSendError(null);
    view.stopTyping().catch(() => undefined);
    view.send(text).catch((error: unknown) => {
      setSendError(error instanceof Error ? error.message : String(error));
    });
  };

  return (
    <section className="room" aria-label={`Room ${props.title}`}>
      <header>
        <h2>{props.title}</h2>
        <span className="room-status" data-testid="room-status">
          {view.status}
        </span>
        {view.error ? <span className="error">{view.error.message}</span> : null}
      </header>
      <div className="room-body">
        <ol className="messages" data-testid="messages">
          {view.hasOlder ? (
            <li className="older">
              <button disabled={view.loadingOlder} onClick={() => void view.loadOlder()}>
                Load older messages
              </button>
            </li>
          ) : null}
          {view.messages.map((message) => (
            <li
              key={message.seq}
              className={message.user.id === props.selfId ? 'message own' : 'message'}
              data-testid="message"
              data-seq={message.seq}
            >
              <span className="author">{message.user.name}</span>
              <time dateTime={new Date(message.ts).toISOString()}>{time.format(message.ts)}</time>
              {'deleted' in message ? (
                <em className="text deleted">message deleted</em>
              ) : (
                <span className="text" data-testid="message-text">
                  {message.text}
                </span>
              )}
            </li>
          ))}
          {view.pending.map((pending) => (
            <li key={pending.key} className="message own pending" data-testid="pending-message">
              <span className="author">sending…</span>
              <span className="text">{pending.text}</span>
              {pending.error ? (
                <span className="error">
                  {pending.error.message}{' '}
                  <button onClick={() => view.dismiss(pending.key)}>dismiss</button>
                </span>
              ) : null}
            </li>
          ))}
          <li ref={bottom} aria-hidden="true" />
        </ol>
        <aside className="members" aria-label="Members">
          <h3>Members ({view.members.length})</h3>
          <ul data-testid="members">
            {view.members.map((member) => (
              <li key={member.id}>{member.name}</li>
            ))}
          </ul>
        </aside>
      </div>
      <p className="typing" data-testid="typing" aria-live="polite">
        {view.typing.length > 0
          ? `${view.typing.map((user) => user.name).join(', ')} ${view.typing.length > 1 ? 'are' : 'is'} typing…`
          : ' '}
      </p>
      {sendError ? <p className="error">{sendError}</p> : null}
      <form className="composer" onSubmit={submit}>
        <input
          aria-label="Message"
          placeholder={`Message ${props.title}`}
          value={draft}
          onChange={(event) => {
            setDraft(event.target.value);
            view.startTyping().catch(() => undefined);
          }}
        />
        <button type="submit" disabled={!draft.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
