import { RepeatedFailureLog } from '@switchboard/observability';
import { ServerFrame } from '@switchboard/protocol';
import { WebSocket } from 'ws';
import { ClientSession } from '../connections/client-session';
import { SessionRegistry } from '../connections/session-registry';
import { ChatGateway } from './chat.gateway';

function openSession() {
  const socket = { readyState: WebSocket.OPEN, send: jest.fn(), close: jest.fn() };
  const session = new ClientSession(
    socket as unknown as WebSocket,
    { id: 'u1', name: 'u1' },
    { write: jest.fn(), bytesRead: 0 },
    {} as RepeatedFailureLog,
  );
  const sessions = { get: () => session } as unknown as SessionRegistry;
  // Only the session registry is reached by a ping.
  const gateway = new (ChatGateway as unknown as new (...deps: unknown[]) => ChatGateway)(
    undefined,
    sessions,
  );
  const sent = () =>
    socket.send.mock.calls.map(([text]) => (JSON.parse(text as string) as ServerFrame).type);
  return { gateway, session, socket: socket as unknown as WebSocket, sent };
}

describe('ChatGateway ping', () => {
  it('answers a ping on an idle connection in the same turn', () => {
    const { gateway, socket, sent } = openSession();
    gateway.onFrame(socket, { ok: true, frame: { type: 'ping' } });
    expect(sent()).toEqual(['pong']);
  });

  it('answers a ping after the frames before it, in order', async () => {
    const { gateway, session, socket, sent } = openSession();
    let release = () => undefined as void;
    const blocker = new Promise<void>((resolve) => (release = resolve));
    const earlier = session.enqueue(async () => {
      await blocker;
      session.send({ type: 'left', room: 'r1' });
    });
    gateway.onFrame(socket, { ok: true, frame: { type: 'ping' } });
    expect(sent()).toEqual([]);

    release();
    await earlier;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent()).toEqual(['left', 'pong']);
  });
});
