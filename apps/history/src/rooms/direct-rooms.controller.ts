import { Controller, HttpStatus, Param, Put, Res, UseGuards, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, JwtAuthGuard } from '@switchboard/auth';
import { openApiSchema } from '@switchboard/http';
import {
  DirectRoomResponse,
  directRoomResponseSchema,
  httpErrorSchema,
} from '@switchboard/protocol';
import { RoomAccessService, UserDirectory } from '@switchboard/room-access';
import type { FastifyReply } from 'fastify';
import { validUserId } from './path-parameters';
import { RoomAccessErrors } from './room-access-errors.filter';

/** Direct rooms over HTTP: the room of the caller and another user, made on first use. */
@ApiTags('rooms')
@ApiBearerAuth()
@Controller('direct/:userId')
@UseGuards(JwtAuthGuard)
@UseFilters(RoomAccessErrors)
export class DirectRoomsController {
  constructor(
    private readonly access: RoomAccessService,
    private readonly users: UserDirectory,
  ) {}

  @Put()
  @ApiParam({ name: 'userId', description: 'the other user' })
  @ApiOperation({
    summary:
      'The direct room of the caller and userId: made (201) on first use, the same id (200) for both for ever',
  })
  @ApiCreatedResponse({ description: 'made now', schema: openApiSchema(directRoomResponseSchema) })
  @ApiOkResponse({ description: 'already there', schema: openApiSchema(directRoomResponseSchema) })
  @ApiBadRequestResponse({
    description: 'invalid_parameter: a bad userId, or the caller themselves',
    schema: openApiSchema(httpErrorSchema),
  })
  @ApiUnauthorizedResponse({
    description: 'no valid token',
    schema: openApiSchema(httpErrorSchema),
  })
  async open(
    @Param('userId', validUserId) userId: string,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<DirectRoomResponse> {
    // The partner may never connect to a gateway: the name they will see is stored here.
    await this.users.remember(user);
    const { room, created } = await this.access.openDirect(user, userId);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { room };
  }
}
