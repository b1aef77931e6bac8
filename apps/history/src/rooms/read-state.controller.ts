import { Body, Controller, Get, Param, Put, UseGuards, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, JwtAuthGuard } from '@switchboard/auth';
import { openApiSchema, ZodBodyPipe } from '@switchboard/http';
import {
  httpErrorSchema,
  InboxResponse,
  inboxResponseSchema,
  MarkReadBody,
  markReadBody,
  ReadPosition,
  readPositionSchema,
  PROTOCOL_LIMITS,
} from '@switchboard/protocol';
import { ReadStateService } from '@switchboard/room-access';
import { validRoom } from './path-parameters';
import { RoomAccessErrors } from './room-access-errors.filter';

const errorBody = openApiSchema(httpErrorSchema);

/** The caller's read state over HTTP: marking a room read, and their inbox. */
@ApiTags('read state')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'no valid token', schema: errorBody })
@Controller()
@UseGuards(JwtAuthGuard)
@UseFilters(RoomAccessErrors)
export class ReadStateController {
  constructor(private readonly readState: ReadStateService) {}

  @Put('rooms/:room/read')
  @ApiParam({ name: 'room', description: `room id: ${PROTOCOL_LIMITS.roomPattern.source}` })
  @ApiOperation({
    summary: 'Mark everything in the room up to seq as read',
    description:
      'Monotonic: a seq below the current position changes nothing; one past the room’s end counts as ' +
      'its end. A position that moved reaches every connection joined to the room as a `read` frame. ' +
      'Reading an open room makes the caller a member, as joining does.',
  })
  @ApiBody({ schema: openApiSchema(markReadBody) })
  @ApiOkResponse({ description: 'the position now', schema: openApiSchema(readPositionSchema) })
  @ApiBadRequestResponse({
    description:
      'invalid_body (seq not a whole number ≥ 0), invalid_json, invalid_parameter (room)',
    schema: errorBody,
  })
  @ApiForbiddenResponse({ description: 'the caller may not use the room', schema: errorBody })
  async markRead(
    @Param('room', validRoom) room: string,
    @Body(new ZodBodyPipe(markReadBody)) body: MarkReadBody,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ReadPosition> {
    return {
      room,
      lastReadSeq: await this.readState.markRead(user, room, body.seq),
    };
  }

  @Get('me/rooms')
  @ApiOperation({
    summary: 'The inbox: every room the caller is a member of, most recent activity first',
    description:
      'Each with its unread count (messages after lastReadSeq that other users sent) and newest message.',
  })
  @ApiOkResponse({ schema: openApiSchema(inboxResponseSchema) })
  async inbox(@CurrentUser() user: AuthenticatedUser): Promise<InboxResponse> {
    return { rooms: await this.readState.inbox(user.id) };
  }
}
