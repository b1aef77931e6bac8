import { Module } from '@nestjs/common';
import { LongPollModule } from '@switchboard/long-poll';
import { NotificationPages } from './notification-pages';
import { NotificationStreamController } from './notification-stream.controller';
import { NotificationStreamRegistry } from './notification-stream.registry';

@Module({
  imports: [LongPollModule],
  controllers: [NotificationStreamController],
  providers: [NotificationStreamRegistry, NotificationPages],
})
export class StreamsModule {}
