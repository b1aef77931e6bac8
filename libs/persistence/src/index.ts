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
  RoomSequenceEntity,
} from './lib/entities';
export { MessageStore } from './lib/message-store';
export type { AppendResult, MessagePage, NewMessage, PageQuery } from './lib/message-store';
export { NotificationStore } from './lib/notification-store';
export type { NewNotification } from './lib/notification-store';
export { PersistenceModule } from './lib/persistence.module';
export type { PersistenceOptions } from './lib/persistence.module';
