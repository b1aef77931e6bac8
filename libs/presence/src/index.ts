export { PresenceModule } from './lib/presence.module';
export type { PresenceOptions } from './lib/presence.module';
export { InMemoryPresenceStore, PresenceStore } from './lib/presence-store';
export { RedisPresenceStore } from './lib/redis-presence-store';
