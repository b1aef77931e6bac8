import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, JwtAuthGuard } from '@switchboard/auth';
import { NotificationStore } from '@switchboard/persistence';
import {
  httpErrorSchema,
  Notification,
  notificationPageSchema,
  PROTOCOL_LIMITS,
} from '@switchboard/protocol';
import { openApiSchema, optionalIdParameter, optionalIntegerParameter } from '@switchboard/http';
import type { Response } from 'express';
import { NotificationStreamRegistry } from './notification-stream.registry';

const errorBody = openApiSchema(httpErrorSchema);

@ApiTags('notifications')
@ApiBearerAuth()
@ApiUnauthorizedResponse({
  description: 'no token, or a malformed, badly signed or expired one',
  schema: errorBody,
})
@ApiBadRequestResponse({ description: 'a bad parameter, named in `parameter`', schema: errorBody })
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
  @ApiOperation({
    summary: "The user's notifications as server-sent events",
    description:
      'A `retry:` line, then each notification as `id`, `event: notification`, `data: <JSON>`; a `: keep-alive` comment every 15 s. ' +
      'The token may also be given as the `access_token` query parameter (EventSource cannot set headers).',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'resume: replay every notification with a greater id first',
  })
  @ApiQuery({
    name: 'lastEventId',
    required: false,
    description: 'the same as Last-Event-ID, for the first connect',
  })
  @ApiOkResponse({ description: 'text/event-stream' })
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
  @ApiOperation({ summary: "The user's notifications after an id, oldest first" })
  @ApiQuery({ name: 'after', required: false, description: 'a notification id' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 100, default 50' })
  @ApiOkResponse({ schema: openApiSchema(notificationPageSchema) })
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
