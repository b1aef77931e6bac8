export { LongPollModule } from './lib/long-poll.module';
export { LongPollWaiters } from './lib/long-poll-waiters';
export type { LongPoll } from './lib/long-poll-waiters';
