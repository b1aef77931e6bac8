export {
  createDataSource,
  MIGRATIONS,
  runMigrations,
  SchemaNotMigratedError,
} from './lib/data-source';
export {
  MessageEntity,
  NotificationEntity,
  NotificationRecipientEntity,
  RoomEntity,
  RoomMemberEntity,
  RoomSequenceEntity,
  UserEntity,
} from './lib/entities';
export { MessageStore } from './lib/message-store';
export type {
  AppendResult,
  ChangeOutcome,
  MessageChanger,
  MessagePage,
  NewMessage,
  PageQuery,
  ReaderPage,
} from './lib/message-store';
export { NotificationStore, RECIPIENT_LOCK_CLASS } from './lib/notification-store';
export type { NewNotification } from './lib/notification-store';
export { ReadStateStore } from './lib/read-state-store';
export type { ReadPositionRecord } from './lib/read-state-store';
export { RoomStore } from './lib/room-store';
export type { MemberRecord, RoomRecord, RoomStanding } from './lib/room-store';
export { UserStore } from './lib/user-store';
export { PersistenceModule } from './lib/persistence.module';
export type { PersistenceOptions } from './lib/persistence.module';
