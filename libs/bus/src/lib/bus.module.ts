import { DynamicModule, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { InProcessMessageBus } from './in-process-message-bus';
import { MessageBus } from './message-bus';
import { RedisMessageBus } from './redis-message-bus';

export interface BusOptions {
  /** Without a Redis URL the bus is in-process: every publisher and subscriber must share the process. */
  redisUrl: string | null;
  keyPrefix: string;
  /** Share one in-process bus between several applications of one process (single-process mode). */
  inProcessBus?: InProcessMessageBus;
}

@Injectable()
class BusLifecycle implements OnApplicationShutdown {
  constructor(private readonly bus: MessageBus) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.bus instanceof RedisMessageBus) await this.bus.close();
  }
}

@Module({})
export class BusModule {
  static forRoot(options: BusOptions): DynamicModule {
    return {
      module: BusModule,
      global: true,
      providers: [
        {
          provide: MessageBus,
          useFactory: () =>
            options.redisUrl
              ? new RedisMessageBus(options.redisUrl, options.keyPrefix)
              : (options.inProcessBus ?? new InProcessMessageBus()),
        },
        BusLifecycle,
      ],
      exports: [MessageBus],
    };
  }
}
