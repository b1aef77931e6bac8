import { Module } from '@nestjs/common';
import { ChatMessageService } from './chat-message.service';
import { AwayDelivery } from './away-delivery';
import { ChatMetrics } from './chat-metrics';
import { NotificationPublisher } from './notification-publisher';

/** Needs the persistence, bus, presence and rate-limit modules in the application (they are global). */
@Module({
  providers: [ChatMessageService, ChatMetrics, AwayDelivery, NotificationPublisher],
  exports: [ChatMessageService, ChatMetrics],
})
export class MessagingModule {}
