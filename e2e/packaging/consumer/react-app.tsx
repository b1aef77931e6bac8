// A React 19 app on the installed @switchboard/react, bundled with esbuild for browsers and
// type-checked with tsc (strict, skipLibCheck off). It joins the room named in the page's hash,
// sends one message once joined, and renders the room's messages in seq order.
import { SwitchboardProvider, useConnectionState, useRoom } from '@switchboard/react';
import { StrictMode, useEffect, useRef } from 'react';
import { createRoot } from 'react-dom/client';

const settings = new URLSearchParams(location.hash.slice(1));
const room = settings.get('room') ?? '';

function Room() {
  const { status, error, messages, members, send } = useRoom(room);
  const { state } = useConnectionState();
  const sent = useRef(false);
  useEffect(() => {
    if (status !== 'joined' || sent.current) return;
    sent.current = true;
    void send('hello from react');
  }, [status, send]);
  return (
    <main
      data-state={state}
      data-status={status}
      data-error={error?.message}
      data-members={members.length}
    >
      <ul>
        {messages.map((message) => (
          <li key={message.seq}>
            {'text' in message ? `${message.user.name}: ${message.text}` : '(deleted)'}
          </li>
        ))}
      </ul>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <SwitchboardProvider
      options={{ url: settings.get('url') ?? '', token: () => settings.get('token') ?? '' }}
    >
      <Room />
    </SwitchboardProvider>
  </StrictMode>,
);
