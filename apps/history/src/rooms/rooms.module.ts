import { Module } from '@nestjs/common';
import { RoomAccessModule } from '@switchboard/room-access';
import { DirectRoomsController } from './direct-rooms.controller';
import { RoomCallerGuard } from './room-caller.guard';
import { RoomsController } from './rooms.controller';

@Module({
  imports: [RoomAccessModule],
  controllers: [RoomsController, DirectRoomsController],
  providers: [RoomCallerGuard],
})
export class RoomsModule {}
