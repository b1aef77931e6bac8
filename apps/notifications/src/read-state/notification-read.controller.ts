import { Body, Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, JwtAuthGuard } from '@switchboard/auth';
import { openApiSchema, ZodBodyPipe } from '@switchboard/http';
import {
  httpErrorSchema,
  MarkNotificationsReadBody,
  markNotificationsReadBody,
  NotificationReadState,
  notificationReadStateSchema,
} from '@switchboard/protocol';
import { NotificationReadService } from './notification-read.service';

const errorBody = openApiSchema(httpErrorSchema);
const readState = openApiSchema(notificationReadStateSchema);

/** The caller's notification read state over HTTP. */
@ApiTags('notifications')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'no valid token', schema: errorBody })
@Controller('notifications')
@UseGuards(JwtAuthGuard)
export class NotificationReadController {
  constructor(private readonly readService: NotificationReadService) {}

  @Get('unread')
  @ApiOperation({ summary: 'How far the caller has read their notifications, and what is unread' })
  @ApiOkResponse({ schema: readState })
  unread(@CurrentUser() user: AuthenticatedUser): Promise<NotificationReadState> {
    return this.readService.state(user.id);
  }

  @Post('read')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Mark every notification up to lastReadId as read',
    description:
      'Monotonic: an id below the current position changes nothing; one past the newest notification ' +
      'counts as the newest. A position that moved reaches every open stream of the caller as `event: read`.',
  })
  @ApiBody({ schema: openApiSchema(markNotificationsReadBody) })
  @ApiOkResponse({ description: 'the read state now', schema: readState })
  @ApiBadRequestResponse({
    description: 'invalid_json, or invalid_body (lastReadId not a notification id)',
    schema: errorBody,
  })
  markRead(
    @CurrentUser() user: AuthenticatedUser,
    @Body(new ZodBodyPipe(markNotificationsReadBody)) body: MarkNotificationsReadBody,
  ): Promise<NotificationReadState> {
    return this.readService.markRead(user.id, body.lastReadId);
  }
}
