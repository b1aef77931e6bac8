import { Module } from '@nestjs/common';
import { MessagingModule } from '@switchboard/messaging';
import { RoomMessagesController } from './room-messages.controller';

@Module({
  imports: [MessagingModule],
  controllers: [RoomMessagesController],
})
export class MessagesModule {}
