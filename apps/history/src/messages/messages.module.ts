import { Module } from '@nestjs/common';
import { LongPollModule } from '@switchboard/long-poll';
import { MessagingModule } from '@switchboard/messaging';
import { RoomAccessModule } from '@switchboard/room-access';
import { RoomMessagePages } from './room-message-pages';
import { RoomMessagesController } from './room-messages.controller';

@Module({
  imports: [MessagingModule, RoomAccessModule, LongPollModule],
  controllers: [RoomMessagesController],
  providers: [RoomMessagePages],
})
export class MessagesModule {}
