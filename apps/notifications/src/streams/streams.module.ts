import { Module } from '@nestjs/common';
import { NotificationStreamController } from './notification-stream.controller';
import { NotificationStreamRegistry } from './notification-stream.registry';

@Module({
  controllers: [NotificationStreamController],
  providers: [NotificationStreamRegistry],
})
export class StreamsModule {}
