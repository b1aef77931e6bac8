import { Module } from '@nestjs/common';
import { RoomMembershipService } from './room-membership.service';

@Module({
  providers: [RoomMembershipService],
  exports: [RoomMembershipService],
})
export class RoomsModule {}
