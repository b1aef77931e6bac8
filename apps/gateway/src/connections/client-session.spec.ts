import { Logger } from '@nestjs/common';
import { RepeatedFailureLog } from '@switchboard/observability';
import { WebSocket } from 'ws';
import { ClientSession } from './client-session';

function openSession() {
  const socket = { readyState: WebSocket.OPEN } as unknown as WebSocket;
  const transport = { write: jest.fn(), bytesRead: 120 };
  const session = new ClientSession(
    socket,
    { id: 'u1', name: 'u1' },
    transport,
    new RepeatedFailureLog(new Logger('test')),
  );
  return { session, transport };
}

describe('ClientSession liveness', () => {
  it('is alive again once the client sends any byte after the heartbeat cleared it (a pong, a frame)', () => {
    const { session, transport } = openSession();
    expect(session.alive).toBe(true);

    session.alive = false; // the heartbeat pinged
    expect(session.alive).toBe(false);
    transport.bytesRead += 2; // an empty pong
    expect(session.alive).toBe(true);

    session.alive = false;
    expect(session.alive).toBe(false);
    session.alive = true; // a frame was handled
    expect(session.alive).toBe(true);
  });
});
