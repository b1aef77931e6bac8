import Redis from 'ioredis';
import type { Socket } from 'node:net';

/**
 * A connection whose commands of one event-loop turn leave in one socket write: the socket is corked
 * at the turn's first command and uncorked once the turn's I/O callbacks have run (setImmediate, as
 * ioredis's auto-pipelining waits). Auto-pipelining does this with a `Pipeline` per turn, and ioredis
 * defines `length` as an accessor on each Pipeline instance, which keeps every Pipeline, its commands,
 * promises and replies alive until a major GC even though each lives a round trip; plain commands
 * die young.
 */
export class TurnBatchingRedis extends Redis {
  private corked: Socket | null = null;

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    const socket = this.stream;
    // Before `ready`, commands wait in ioredis's offline queue and nothing is written.
    if (this.corked === null && socket && this.status === 'ready') {
      this.corked = socket;
      socket.cork();
      setImmediate(() => {
        this.corked = null;
        socket.uncork();
      });
    }
    return super.sendCommand(...args);
  }
}
