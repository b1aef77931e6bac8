export { BusModule } from './lib/bus.module';
export type { BusOptions } from './lib/bus.module';
export { InProcessMessageBus } from './lib/in-process-message-bus';
export { MessageBus } from './lib/message-bus';
export type { BusHandler, Unsubscribe } from './lib/message-bus';
export { RedisMessageBus } from './lib/redis-message-bus';
