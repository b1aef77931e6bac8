import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { HEARTBEAT_SLICES } from './client-session';
import { SessionRegistry } from './session-registry';

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
      session.socket.ping();
    }
  }
}
