export { LongPollModule } from './lib/long-poll.module';
export { LongPollWaiters } from './lib/long-poll-waiters';
export type { LongPoll } from './lib/long-poll-waiters';
export { waitParameter, LONG_POLL_MAX_WAIT_SECONDS } from './lib/wait-parameter';
