import { Module } from '@nestjs/common';
import { LongPollWaiters } from './long-poll-waiters';

/** The instance's one `LongPollWaiters`; needs the config and observability modules (global). */
@Module({ providers: [LongPollWaiters], exports: [LongPollWaiters] })
export class LongPollModule {}
