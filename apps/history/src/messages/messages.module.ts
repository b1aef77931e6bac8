import { Module } from '@nestjs/common';
import { MessagingModule } from '@switchboard/messaging';
import { RoomAccessModule } from '@switchboard/room-access';
import { RoomMessagesController } from './room-messages.controller';

@Module({
  imports: [MessagingModule, RoomAccessModule],
  controllers: [RoomMessagesController],
})
export class MessagesModule {}
