export { PresenceModule } from './lib/presence.module';
export type { PresenceOptions } from './lib/presence.module';
export {
  InMemoryPresenceStore,
  ONLINE,
  PRESENCE_STALE_FACTOR,
  PresenceStore,
} from './lib/presence-store';
export type {
  DepartedUser,
  ReapedHoldings,
  RoomEntrance,
  UserStatusRecord,
} from './lib/presence-store';
export { RedisPresenceStore } from './lib/redis-presence-store';
