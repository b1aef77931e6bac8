import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { ONLINE, PresenceStore } from '@switchboard/presence';
import { RoomPresence } from './room-presence';
import { RoomTyping } from './room-typing';
import { UserStatus } from './user-status';

/**
 * Keeps this instance's presence alive and cleans up after dead ones: every PRESENCE_HEARTBEAT_MS it
 * heartbeats (re-entering its users and typists if it had been taken for dead), then releases what
 * instances that stopped heartbeating held and tells those rooms who stopped typing and who left.
 */
@Injectable()
export class PresenceKeeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceKeeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly presence: PresenceStore,
    private readonly bus: MessageBus,
    private readonly rooms: RoomPresence,
    private readonly typing: RoomTyping,
    private readonly status: UserStatus,
    private readonly config: SwitchboardConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.presence.heartbeat();
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.config.presenceHeartbeatMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    try {
      if (await this.presence.heartbeat()) {
        this.logger.warn('this instance had been taken for dead: entering its rooms again');
        await this.rooms.reassert();
        await this.typing.reassert();
        await this.status.reassert();
      }
      const { departed, typists } = await this.presence.reap();
      for (const { room, user } of typists) {
        await this.bus.publish('room', room, { type: 'typing_stopped', room, user });
      }
      for (const { room, user } of departed) {
        if (room === ONLINE) await this.status.wentOffline(user);
        else await this.bus.publish('room', room, { type: 'user_left', room, user });
      }
    } catch (error) {
      this.logger.warn(
        `presence upkeep failed, retrying next interval: ${(error as Error).message}`,
      );
    }
  }
}
