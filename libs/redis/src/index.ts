export { RedisConnections } from './lib/redis-connections';
export type { RedisConnectionOptions } from './lib/redis-connections';
export { RedisModule } from './lib/redis.module';
export { RedisSubscriber } from './lib/redis-subscriber';
