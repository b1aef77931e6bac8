import { SwitchboardConfig } from '@switchboard/config';
import { ClientSession } from './client-session';
import { HeartbeatService } from './heartbeat.service';
import { SessionRegistry } from './session-registry';

function fakeSession() {
  const socket = { ping: jest.fn(), terminate: jest.fn() };
  return { session: { alive: true, socket } as unknown as ClientSession, socket };
}

describe('HeartbeatService', () => {
  it('pings live connections and terminates one that missed the previous ping', () => {
    const answering = fakeSession();
    const silent = fakeSession();
    const sessions = [answering.session, silent.session];
    const registry = { all: () => sessions.values() } as unknown as SessionRegistry;
    const heartbeat = new HeartbeatService(registry, {
      heartbeatIntervalMs: 30_000,
    } as SwitchboardConfig);

    heartbeat.beat();
    expect(answering.socket.ping).toHaveBeenCalledTimes(1);
    expect(silent.socket.ping).toHaveBeenCalledTimes(1);

    answering.session.alive = true; // its pong arrived
    heartbeat.beat();
    expect(answering.socket.terminate).not.toHaveBeenCalled();
    expect(answering.socket.ping).toHaveBeenCalledTimes(2);
    expect(silent.socket.terminate).toHaveBeenCalledTimes(1);
  });
});
