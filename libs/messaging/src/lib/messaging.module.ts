import { Module } from '@nestjs/common';
import { ChatMessageService } from './chat-message.service';

/** Needs the persistence, bus and rate-limit modules in the application (they are global). */
@Module({
  providers: [ChatMessageService],
  exports: [ChatMessageService],
})
export class MessagingModule {}
