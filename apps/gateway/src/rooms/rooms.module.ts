import { Module } from '@nestjs/common';
import { PresenceKeeper } from './presence-keeper.service';
import { RoomMembershipService } from './room-membership.service';

@Module({
  providers: [RoomMembershipService, PresenceKeeper],
  exports: [RoomMembershipService],
})
export class RoomsModule {}
