import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { HEARTBEAT_SLICES } from './client-session';
import { SessionRegistry } from './session-registry';

/**
 * An empty WebSocket ping (FIN, opcode 9, unmasked, no payload), built once and written to every
 * connection as is: `ws.ping()` would frame it anew each time and write header and payload apart.
 */
export const PING_FRAME = Buffer.from([0x89, 0x00]);

/**
 * Pings every connection once per HEARTBEAT_INTERVAL_MS and terminates those that did not answer the
 * previous ping. The pings are spread over the interval (one slice of the connections at a time): one
 * sweep over every socket at once stalls the event loop long enough to show in message latency.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private slice = 0;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly config: SwitchboardConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.beat(), this.config.heartbeatIntervalMs / HEARTBEAT_SLICES);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Works through the next slice: the sessions whose `heartbeatSlice` it is. */
  beat(): void {
    const slice = this.slice;
    this.slice = (slice + 1) % HEARTBEAT_SLICES;
    for (const session of this.sessions.all()) {
      if (session.heartbeatSlice !== slice) continue;
      if (!session.alive) {
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.sendFrame(PING_FRAME);
    }
  }
}
