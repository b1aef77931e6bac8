import { Module } from '@nestjs/common';
import { ChatMessageService } from './chat-message.service';
import { ChatMetrics } from './chat-metrics';

/** Needs the persistence, bus and rate-limit modules in the application (they are global). */
@Module({
  providers: [ChatMessageService, ChatMetrics],
  exports: [ChatMessageService, ChatMetrics],
})
export class MessagingModule {}
