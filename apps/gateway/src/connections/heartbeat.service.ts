import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { SessionRegistry } from './session-registry';

/** Pings every connection each HEARTBEAT_INTERVAL_MS and terminates those that did not answer the last ping. */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly config: SwitchboardConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.beat(), this.config.heartbeatIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  beat(): void {
    for (const session of this.sessions.all()) {
      if (!session.alive) {
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }
}
