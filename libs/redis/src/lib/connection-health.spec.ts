import { ConnectionHealth } from './connection-health';

describe('ConnectionHealth', () => {
  it('turns an outage of many failed attempts into one lost and one recovered', () => {
    const health = new ConnectionHealth();
    expect(health.ready(0)).toBeNull();
    expect(health.isUp).toBe(true);

    health.failed('read ECONNRESET');
    expect(health.closed(1_000)).toEqual({ kind: 'lost', reason: 'read ECONNRESET' });
    for (let attempt = 0; attempt < 50; attempt++) {
      health.failed('connect ECONNREFUSED 127.0.0.1:6379');
      expect(health.closed(1_000 + attempt)).toBeNull();
    }
    expect(health.isDown).toBe(true);
    expect(health.reason).toBe('connect ECONNREFUSED 127.0.0.1:6379');

    expect(health.ready(4_500)).toEqual({ kind: 'recovered', downForMs: 3_500 });
    expect(health.ready(4_600)).toBeNull();
    expect(health.isUp).toBe(true);
  });

  it('names a close without an error, and forgets the last error once recovered', () => {
    const health = new ConnectionHealth();
    health.failed('connect ETIMEDOUT');
    health.ready(0);
    expect(health.closed(10)).toEqual({ kind: 'lost', reason: 'connection closed' });
  });

  it('reports a connection that never became ready as unreachable, once', () => {
    const health = new ConnectionHealth();
    health.failed('connect ECONNREFUSED 127.0.0.1:6379');
    expect(health.closed(0)).toEqual({
      kind: 'unreachable',
      reason: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
    expect(health.closed(100)).toBeNull();
    expect(health.ready(300)).toEqual({ kind: 'recovered', downForMs: 300 });
  });

  it('says nothing of a quiet failure (while the service starts), nor of its recovery', () => {
    const health = new ConnectionHealth();
    health.failed('connect ECONNREFUSED 127.0.0.1:6379');
    expect(health.closed(0, true)).toBeNull();
    expect(health.isDown).toBe(true);
    expect(health.closed(50)).toBeNull();
    expect(health.ready(100)).toBeNull();
  });
});
