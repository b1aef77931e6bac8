import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, JwtAuthGuard } from '@switchboard/auth';
import {
  httpErrorSchema,
  lastEventIdHeader,
  notificationIdParameter,
  NotificationPageQuery,
  notificationPageQuery,
  notificationPageSchema,
  PROTOCOL_LIMITS,
} from '@switchboard/protocol';
import { openApiSchema, RequestHeader, ZodParameterPipe } from '@switchboard/http';
import type { Response } from 'express';
import { NotificationPage, NotificationPages } from './notification-pages';
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
    private readonly pages: NotificationPages,
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
    @RequestHeader('last-event-id', new ZodParameterPipe(lastEventIdHeader, 'Last-Event-ID'))
    fromHeader: string | undefined,
    @Query('lastEventId', new ZodParameterPipe(notificationIdParameter.optional()))
    fromQuery: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    await this.streams.open(user, response, fromHeader ?? fromQuery);
  }

  /**
   * The user's notifications after `after` (an id), oldest first. With `wait`, an empty page is held
   * until one is published (long polling).
   */
  @Get()
  @ApiOperation({
    summary: "The user's notifications after an id, oldest first",
    description:
      'Short polling: answers at once. Long polling: with `wait` (1 to 30 s), answers at once if the user ' +
      'has a notification past `after`, else holds the request until one is published (on any instance) ' +
      'and answers with it, or answers 200 with an empty page after `wait` seconds. A stopping instance ' +
      'answers every held request at once with what there is.',
  })
  @ApiQuery({ name: 'after', required: false, description: 'a notification id' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 100, default 50' })
  @ApiQuery({
    name: 'wait',
    required: false,
    type: Number,
    description: `long polling: seconds to hold the request (1 to ${PROTOCOL_LIMITS.longPollMaxWaitSeconds}) while the user has nothing after \`after\`; 0 or absent answers at once`,
  })
  @ApiOkResponse({ schema: openApiSchema(notificationPageSchema) })
  @ApiServiceUnavailableResponse({
    description:
      'unavailable: the instance already holds LONG_POLL_MAX_WAITERS long-poll requests (with Retry-After and retryAfterMs)',
    schema: errorBody,
  })
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query(new ZodParameterPipe(notificationPageQuery))
    { after, limit, wait }: NotificationPageQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<NotificationPage> {
    return this.pages.list(user.id, after, limit, wait ? { ms: wait * 1000, response } : undefined);
  }
}
