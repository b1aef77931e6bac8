import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Put,
  Res,
  UseGuards,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ServiceApiKeyGuard } from '@switchboard/auth';
import { openApiSchema, ZodBodyPipe } from '@switchboard/http';
import {
  httpErrorSchema,
  PutRoomBody,
  putRoomBody,
  PutRoomMemberBody,
  putRoomMemberBody,
  RoomInfo,
  roomInfoSchema,
  RoomMember,
  roomMemberSchema,
  RoomMembersResponse,
  roomMembersResponseSchema,
  PROTOCOL_LIMITS,
} from '@switchboard/protocol';
import { RoomAdministration, RoomCaller } from '@switchboard/room-access';
import type { FastifyReply } from 'fastify';
import { validRoom, validUserId } from './path-parameters';
import { RoomAccessErrors } from './room-access-errors.filter';
import { Caller, RoomCallerGuard } from './room-caller.guard';

const errorBody = openApiSchema(httpErrorSchema);

/**
 * Rooms and their members, server to server (`X-Api-Key`); a room's admin may manage its members with
 * their own token, and anyone who may use a room may list them.
 */
@ApiTags('rooms')
@ApiParam({
  name: 'room',
  description: `room id: ${PROTOCOL_LIMITS.roomPattern.source}; dm: is reserved`,
})
@ApiUnauthorizedResponse({ description: 'no credential, or a wrong one', schema: errorBody })
@ApiBadRequestResponse({
  description: 'invalid_parameter (named in `parameter`; a dm: room) or invalid_body',
  schema: errorBody,
})
@Controller('rooms/:room')
@UseFilters(RoomAccessErrors)
export class RoomsController {
  constructor(private readonly admin: RoomAdministration) {}

  @Put()
  @UseGuards(ServiceApiKeyGuard)
  @ApiSecurity('service-key')
  @ApiOperation({
    summary: 'Create (201) or update (200) an open or private room (server to server)',
    description:
      'A title left out keeps the current one; null removes it. Making a room private takes it from ' +
      'everyone who is not a member, at once; users who joined it while open are members.',
  })
  @ApiBody({ schema: openApiSchema(putRoomBody) })
  @ApiCreatedResponse({ description: 'created', schema: openApiSchema(roomInfoSchema) })
  @ApiOkResponse({ description: 'updated', schema: openApiSchema(roomInfoSchema) })
  async putRoom(
    @Param('room', validRoom) room: string,
    @Body(new ZodBodyPipe(putRoomBody)) body: PutRoomBody,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<RoomInfo> {
    const result = await this.admin.putRoom(room, body);
    response.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.room;
  }

  @Put('members/:userId')
  @UseGuards(RoomCallerGuard)
  @ApiSecurity('service-key')
  @ApiBearerAuth()
  @ApiParam({ name: 'userId' })
  @ApiOperation({
    summary: "Add a member (201) or change a member's role (200): the service key or a room admin",
  })
  @ApiBody({ schema: openApiSchema(putRoomMemberBody) })
  @ApiCreatedResponse({ description: 'added', schema: openApiSchema(roomMemberSchema) })
  @ApiOkResponse({ description: 'role changed', schema: openApiSchema(roomMemberSchema) })
  @ApiForbiddenResponse({ description: 'the token is not a room admin', schema: errorBody })
  @ApiNotFoundResponse({ description: 'no such room (service key only)', schema: errorBody })
  async putMember(
    @Param('room', validRoom) room: string,
    @Param('userId', validUserId) userId: string,
    @Body(new ZodBodyPipe(putRoomMemberBody)) body: PutRoomMemberBody,
    @Caller() caller: RoomCaller,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<RoomMember> {
    await this.admin.authorize(caller, room, 'manage_members');
    const result = await this.admin.putMember(room, userId, body.role);
    response.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.member;
  }

  @Delete('members/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UseGuards(RoomCallerGuard)
  @ApiSecurity('service-key')
  @ApiBearerAuth()
  @ApiParam({ name: 'userId' })
  @ApiOperation({
    summary:
      'Remove a member: every connection of theirs loses the room at once (the service key or a room admin)',
    description: 'Idempotent: removing a user who is not a member is 204 too.',
  })
  @ApiNoContentResponse({ description: 'removed' })
  @ApiForbiddenResponse({ description: 'the token is not a room admin', schema: errorBody })
  @ApiNotFoundResponse({ description: 'no such room (service key only)', schema: errorBody })
  async removeMember(
    @Param('room', validRoom) room: string,
    @Param('userId', validUserId) userId: string,
    @Caller() caller: RoomCaller,
  ): Promise<void> {
    await this.admin.authorize(caller, room, 'manage_members');
    await this.admin.removeMember(room, userId);
  }

  @Get('members')
  @UseGuards(RoomCallerGuard)
  @ApiSecurity('service-key')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "The room's members: the service key, or anyone who may use the room",
  })
  @ApiOkResponse({ schema: openApiSchema(roomMembersResponseSchema) })
  @ApiForbiddenResponse({ description: 'the token may not use the room', schema: errorBody })
  @ApiNotFoundResponse({ description: 'no such room (service key only)', schema: errorBody })
  async members(
    @Param('room', validRoom) room: string,
    @Caller() caller: RoomCaller,
  ): Promise<RoomMembersResponse> {
    await this.admin.authorize(caller, room, 'list_members');
    return { members: await this.admin.members(room) };
  }
}
