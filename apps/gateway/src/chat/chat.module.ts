import { Module } from '@nestjs/common';
import { MessagingModule } from '@switchboard/messaging';
import { ConnectionsModule } from '../connections/connections.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatGateway } from './chat.gateway';

@Module({
  imports: [ConnectionsModule, RoomsModule, MessagingModule],
  providers: [ChatGateway],
})
export class ChatModule {}
