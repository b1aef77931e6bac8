import { SwitchboardConfig } from '@switchboard/config';
import { ClientSession, HEARTBEAT_SLICES } from './client-session';
import { HeartbeatService } from './heartbeat.service';
import { SessionRegistry } from './session-registry';

function fakeSession(heartbeatSlice: number) {
  const socket = { ping: jest.fn(), terminate: jest.fn() };
  return { session: { alive: true, socket, heartbeatSlice } as unknown as ClientSession, socket };
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
    expect(answering.socket.ping).toHaveBeenCalledTimes(1);
    expect(silent.socket.ping).toHaveBeenCalledTimes(1);
    // A connection in another slice waits for its own turn.
    expect(later.socket.ping).not.toHaveBeenCalled();

    answering.session.alive = true; // its pong arrived
    oneInterval();
    expect(later.socket.ping).toHaveBeenCalledTimes(1);
    expect(answering.socket.terminate).not.toHaveBeenCalled();
    expect(answering.socket.ping).toHaveBeenCalledTimes(2);
    expect(silent.socket.terminate).toHaveBeenCalledTimes(1);
  });
});
