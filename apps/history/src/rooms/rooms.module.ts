import { Module } from '@nestjs/common';
import { RoomAccessModule } from '@switchboard/room-access';
import { DirectRoomsController } from './direct-rooms.controller';
import { ReadStateController } from './read-state.controller';
import { RoomCallerGuard } from './room-caller.guard';
import { RoomsController } from './rooms.controller';

@Module({
  imports: [RoomAccessModule],
  controllers: [RoomsController, DirectRoomsController, ReadStateController],
  providers: [RoomCallerGuard],
})
export class RoomsModule {}
