import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { RepeatedFailureLog } from '@switchboard/observability';
import { RoomMembershipService } from './room-membership.service';

/**
 * The bus delivers at most once, and a room's next message is what normally reveals one it lost.
 * When no next message comes (the last ones of a burst were published while Redis restarted, or
 * their publish failed), this finds them: every ROOM_POSITION_CHECK_MS, and at once when the bus
 * subscription is back after a loss, each local room's last committed seq is read (one statement
 * for all) and what was not delivered here is read from PostgreSQL. Centrifugo's position check
 * for recoverable channels does the same job for its streams.
 */
@Injectable()
export class RoomPositionCheck implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly failures = new RepeatedFailureLog(new Logger(RoomPositionCheck.name));
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private running: Promise<void> | undefined;
  /** The check asked for while one ran (which may have read before what it is for). */
  private again: Promise<void> | undefined;

  constructor(
    private readonly rooms: RoomMembershipService,
    private readonly bus: MessageBus,
    private readonly config: SwitchboardConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopListening = this.bus.onResubscribed(() => void this.check());
    this.timer = setInterval(() => void this.check(), this.config.roomPositionCheckMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.stopListening?.();
    await this.running;
  }

  /**
   * One check at a time: one asked for meanwhile runs once this one ends. Resolves when the check
   * that covers this call has read the positions (failures are logged, not thrown).
   */
  check(): Promise<void> {
    if (this.running) {
      this.again ??= this.running.then(() => {
        this.again = undefined;
        return this.check();
      });
      return this.again;
    }
    this.running = this.rooms
      .checkPositions()
      .catch((error: unknown) => this.failures.record('room position check failed', error))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
