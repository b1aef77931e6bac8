import { Module } from '@nestjs/common';
import { RoomAccessModule } from '@switchboard/room-access';
import { PresenceKeeper } from './presence-keeper.service';
import { RoomFanout } from './room-fanout';
import { RoomGatekeeper } from './room-gatekeeper.service';
import { RoomMembershipService } from './room-membership.service';
import { RoomPresence } from './room-presence';

@Module({
  imports: [RoomAccessModule],
  providers: [RoomMembershipService, RoomFanout, RoomPresence, RoomGatekeeper, PresenceKeeper],
  exports: [RoomMembershipService, RoomGatekeeper, RoomAccessModule],
})
export class RoomsModule {}
