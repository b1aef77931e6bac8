import { Module } from '@nestjs/common';
import { RoomAccessModule } from '@switchboard/room-access';
import { PresenceKeeper } from './presence-keeper.service';
import { RoomFanout } from './room-fanout';
import { RoomGatekeeper } from './room-gatekeeper.service';
import { RoomMembershipService } from './room-membership.service';
import { RoomPositionCheck } from './room-position-check.service';
import { RoomPresence } from './room-presence';
import { RoomTyping } from './room-typing';
import { UserStatus } from './user-status';

@Module({
  imports: [RoomAccessModule],
  providers: [
    RoomMembershipService,
    RoomFanout,
    RoomPresence,
    RoomGatekeeper,
    PresenceKeeper,
    RoomPositionCheck,
    RoomTyping,
    UserStatus,
  ],
  exports: [RoomMembershipService, RoomGatekeeper, RoomTyping, UserStatus, RoomAccessModule],
})
export class RoomsModule {}
