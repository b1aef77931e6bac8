import { SwitchboardConfig } from '@switchboard/config';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ClientSession, HEARTBEAT_SLICES } from './client-session';
import { HeartbeatService, PING_FRAME } from './heartbeat.service';
import { SessionRegistry } from './session-registry';

function fakeSession(heartbeatSlice: number) {
  const socket = { terminate: jest.fn() };
  const session = { alive: true, socket, heartbeatSlice, sendFrame: jest.fn(() => true) };
  return { session: session as unknown as ClientSession, socket, pings: session.sendFrame };
}

describe('HeartbeatService', () => {
  it('pings live connections once per interval and terminates one that missed the previous ping', () => {
    const answering = fakeSession(0);
    const silent = fakeSession(0);
    const later = fakeSession(3);
    const sessions = [answering.session, silent.session, later.session];
    const registry = { all: () => sessions.values() } as unknown as SessionRegistry;
    const heartbeat = new HeartbeatService(registry, {
      heartbeatIntervalMs: 30_000,
    } as SwitchboardConfig);
    const oneInterval = () => {
      for (let i = 0; i < HEARTBEAT_SLICES; i++) heartbeat.beat();
    };

    heartbeat.beat();
    expect(answering.pings).toHaveBeenCalledTimes(1);
    expect(answering.pings).toHaveBeenCalledWith(PING_FRAME);
    expect(silent.pings).toHaveBeenCalledTimes(1);
    // A connection in another slice waits for its own turn.
    expect(later.pings).not.toHaveBeenCalled();

    answering.session.alive = true; // its pong arrived
    oneInterval();
    expect(later.pings).toHaveBeenCalledTimes(1);
    expect(answering.socket.terminate).not.toHaveBeenCalled();
    expect(answering.pings).toHaveBeenCalledTimes(2);
    expect(silent.socket.terminate).toHaveBeenCalledTimes(1);
  });

  it('writes a ping that a WebSocket client answers with a pong', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const pong = new Promise<void>((resolve) =>
      server.once('connection', (socket, request) => {
        socket.once('pong', () => resolve());
        request.socket.write(PING_FRAME);
      }),
    );
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const pinged = new Promise<Buffer>((resolve) => client.once('ping', resolve));
    try {
      expect((await pinged).length).toBe(0);
      await pong;
    } finally {
      client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
