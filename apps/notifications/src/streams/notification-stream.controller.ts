import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import { AuthenticatedUser, CurrentUser, JwtAuthGuard } from '@switchboard/auth';
import { NotificationStore } from '@switchboard/persistence';
import { Notification, PROTOCOL_LIMITS } from '@switchboard/protocol';
import { optionalIdParameter, optionalIntegerParameter } from '@switchboard/runtime';
import type { Response } from 'express';
import { NotificationStreamRegistry } from './notification-stream.registry';

@Controller('notifications')
@UseGuards(JwtAuthGuard)
export class NotificationStreamController {
  constructor(
    private readonly streams: NotificationStreamRegistry,
    private readonly store: NotificationStore,
  ) {}

  /**
   * `text/event-stream` of the user's notifications. Resume with the `Last-Event-ID` header (sent by
   * EventSource on reconnect) or the `lastEventId` query parameter (for the first connect).
   */
  @Get('stream')
  async stream(
    @CurrentUser() user: AuthenticatedUser,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Query('lastEventId') lastEventIdQuery: unknown,
    @Res() response: Response,
  ): Promise<void> {
    const lastEventId =
      lastEventIdHeader !== undefined && lastEventIdHeader !== ''
        ? optionalIdParameter('Last-Event-ID', lastEventIdHeader)
        : optionalIdParameter('lastEventId', lastEventIdQuery);
    await this.streams.open(user, response, lastEventId);
  }

  /** The user's notifications after `after` (an id), oldest first. */
  @Get()
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query('after') after: unknown,
    @Query('limit') limit: unknown,
  ): Promise<{ notifications: Notification[]; hasMore: boolean }> {
    const pageSize =
      optionalIntegerParameter('limit', limit, { min: 1, max: PROTOCOL_LIMITS.pageMax }) ??
      PROTOCOL_LIMITS.pageDefault;
    const notifications = await this.store.listAfter(
      user.id,
      optionalIdParameter('after', after) ?? '0',
      pageSize + 1,
    );
    return {
      notifications: notifications.slice(0, pageSize),
      hasMore: notifications.length > pageSize,
    };
  }
}
