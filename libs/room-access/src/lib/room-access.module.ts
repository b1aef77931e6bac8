import { Module } from '@nestjs/common';
import { ReadStateService } from './read-state.service';
import { RoomAccessService } from './room-access.service';
import { RoomAdministration } from './room-administration.service';
import { UserDirectory } from './user-directory';

/** Needs the persistence and bus modules and the config in the application (they are global). */
@Module({
  providers: [ReadStateService, RoomAccessService, RoomAdministration, UserDirectory],
  exports: [ReadStateService, RoomAccessService, RoomAdministration, UserDirectory],
})
export class RoomAccessModule {}
