import { Module } from '@nestjs/common';
import { RoomAccessService } from './room-access.service';
import { RoomAdministration } from './room-administration.service';
import { UserDirectory } from './user-directory';

/** Needs the persistence and bus modules and the config in the application (they are global). */
@Module({
  providers: [RoomAccessService, RoomAdministration, UserDirectory],
  exports: [RoomAccessService, RoomAdministration, UserDirectory],
})
export class RoomAccessModule {}
