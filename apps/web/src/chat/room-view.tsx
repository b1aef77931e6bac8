import type { HistoryMessage } from '@switchboard/protocol';
import { FormEvent, useEffect, useRef, useState } from 'react';
import { useRoom } from '../shared/switchboard-hooks';

export interface RoomViewProps {
  room: string;
  title: string;
  selfId: string;
  loadPage: (
    room: string,
    before: number,
  ) => Promise<{ messages: HistoryMessage[]; hasMore: boolean }>;
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** One room: scrollback (older pages from history), live messages, members, who is typing, a composer. */
export function RoomView(props: RoomViewProps) {
  const { room } = props;
  const { loadPage } = props;
  const view = useRoom(room, (before) => loadPage(room, before));
  const [draft, setDraft] = useState('');
  const [sendError, setSendError] = useState<string | null>(null);
  const bottom = useRef<HTMLLIElement>(null);
  const newest = view.messages.at(-1)?.seq;

  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [newest]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft;
    if (!text.trim()) return;
    setDraft('');
    setSendError(null);
    view.send(text).catch((error: unknown) => {
      setSendError(error instanceof Error ? error.message : String(error));
    });
  };

  return (
    <section className="room" aria-label={`Room ${props.title}`}>
      <header>
        <h2>{props.title}</h2>
        <span className="room-status">{view.status}</span>
      </header>
      <div className="room-body">
        <ol className="messages" data-testid="messages">
          {view.hasOlder ? (
            <li className="older">
              <button onClick={() => void view.loadOlder()}>Load older messages</button>
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
            view.notifyTyping();
          }}
        />
        <button type="submit" disabled={!draft.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
