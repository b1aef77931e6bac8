import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
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
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, JwtAuthGuard } from '@switchboard/auth';
import { ChatError, ChatMessageService, ChatMetrics } from '@switchboard/messaging';
import {
  ChatMessage,
  chatMessageSchema,
  EditMessageBody,
  editMessageBody,
  HistoryMessage,
  httpErrorSchema,
  MessageChangeFrame,
  MessageEditedFrame,
  messageEditedSchema,
  MessagePageQuery,
  messagePageQuery,
  MessagePageResponse,
  messagePageSchema,
  PROTOCOL_LIMITS,
  SendMessageBody,
  sendMessageBody,
  validateEditMessageBody,
  validateSendMessageBody,
} from '@switchboard/protocol';
import { apiError, openApiSchema, ZodParameterPipe } from '@switchboard/http';
import { RoomAccessService } from '@switchboard/room-access';
import type { FastifyReply } from 'fastify';
import { validRoom } from '../rooms/path-parameters';
import { RoomAccessErrors } from '../rooms/room-access-errors.filter';
import { MessageBodyPipe } from './message-body.pipe';
import { MessageIdPipe } from './message-id.pipe';
import { RoomMessagePages } from './room-message-pages';

const STATUS_OF: Partial<Record<ChatError['code'], HttpStatus>> = {
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
};

function toHttpError(error: ChatError): HttpException {
  const status = STATUS_OF[error.code] ?? HttpStatus.BAD_REQUEST;
  const { code, message, retryAfterMs } = error;
  return apiError(
    status,
    retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs },
  );
}

const errorBody = openApiSchema(httpErrorSchema);

/** A room's history, page by page, and sending into a room over HTTP. */
@ApiTags('messages')
@ApiBearerAuth()
@ApiParam({ name: 'room', description: `room id: ${PROTOCOL_LIMITS.roomPattern.source}` })
@ApiUnauthorizedResponse({
  description: 'no token, or a malformed, badly signed or expired one',
  schema: errorBody,
})
@ApiBadRequestResponse({
  description: 'a bad parameter (named in `parameter`) or body',
  schema: errorBody,
})
@ApiForbiddenResponse({
  description: 'the user may not use the room (or, for them, it does not exist)',
  schema: errorBody,
})
@Controller('rooms/:room/messages')
@UseGuards(JwtAuthGuard)
@UseFilters(RoomAccessErrors)
export class RoomMessagesController {
  constructor(
    private readonly pages: RoomMessagePages,
    private readonly access: RoomAccessService,
    private readonly chat: ChatMessageService,
    private readonly metrics: ChatMetrics,
  ) {}

  /**
   * Ascending by seq: `before` pages back, `after` pages forward, neither is the newest page. With
   * `after` and `wait`, a page with nothing new is held until something is (long polling).
   */
  @Get()
  @ApiOperation({
    summary: "A page of the room's messages, in ascending seq",
    description:
      'Short polling: answers at once. Long polling: with `after` and `wait` (1 to 30 s), answers at once if ' +
      'a message, edit or delete past `after` exists, else holds the request until one is sent (over the ' +
      'WebSocket or HTTP, on any instance) and answers with it, or answers 200 with an empty page after ' +
      '`wait` seconds. A stopping instance answers every held request at once with what there is.',
  })
  @ApiQuery({
    name: 'before',
    required: false,
    type: Number,
    description: 'messages with a smaller seq',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    type: Number,
    description: 'messages with a greater seq',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 100, default 50' })
  @ApiQuery({
    name: 'wait',
    required: false,
    type: Number,
    description: `long polling: seconds to hold the request (1 to ${PROTOCOL_LIMITS.longPollMaxWaitSeconds}) while nothing lies after \`after\`; needs \`after\`, not \`before\`; 0 or absent answers at once`,
  })
  @ApiOkResponse({ schema: openApiSchema(messagePageSchema) })
  @ApiServiceUnavailableResponse({
    description:
      'unavailable: the instance already holds LONG_POLL_MAX_WAITERS long-poll requests (with Retry-After and retryAfterMs)',
    schema: errorBody,
  })
  async page(
    @Param('room', validRoom) room: string,
    @Query(new ZodParameterPipe(messagePageQuery)) { wait, ...query }: MessagePageQuery,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<MessagePageResponse<HistoryMessage, MessageChangeFrame>> {
    if (!wait) return this.pages.page(user.id, room, query);
    return this.pages.page(user.id, room, query, { ms: wait * 1000, response: response.raw });
  }

  /** 201 with the stored message; 200 with the original when `clientMsgId` was already used in this room. */
  @Post()
  @ApiOperation({
    summary: 'Send a message: the same rules, storage and fan-out as over the WebSocket',
  })
  @ApiBody({ schema: openApiSchema(sendMessageBody) })
  @ApiCreatedResponse({
    description: 'stored and fanned out',
    schema: openApiSchema(chatMessageSchema),
  })
  @ApiOkResponse({
    description: 'the original message, for a repeated clientMsgId',
    schema: openApiSchema(chatMessageSchema),
  })
  @ApiTooManyRequestsResponse({
    description: 'rate_limited, with Retry-After and retryAfterMs',
    schema: errorBody,
  })
  async send(
    @Param('room', validRoom) room: string,
    @Body(MessageBodyPipe(validateSendMessageBody)) body: SendMessageBody,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<ChatMessage> {
    try {
      await this.access.authorize(user.id, room);
    } catch (error) {
      this.metrics.framesRejected.inc({ code: 'forbidden' });
      throw error;
    }
    try {
      const { message, created } = await this.chat.send(user, {
        room,
        text: body.text,
        clientMsgId: body.clientMsgId ?? null,
      });
      response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
      return message;
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
      if (error.retryAfterMs !== undefined)
        response.header('Retry-After', Math.ceil(error.retryAfterMs / 1000));
      throw toHttpError(error);
    }
  }

  /** Edits the caller's own message: the event (with its seq) is stored and fanned out like a message. */
  @Patch(':id')
  @ApiOperation({ summary: "Edit one's own message: the same rules as an `edit` frame" })
  @ApiParam({ name: 'id', description: 'the message id' })
  @ApiBody({ schema: openApiSchema(editMessageBody) })
  @ApiOkResponse({ description: 'the edit event', schema: openApiSchema(messageEditedSchema) })
  @ApiNotFoundResponse({
    description: 'no such message in the room, or it was deleted',
    schema: errorBody,
  })
  @ApiTooManyRequestsResponse({ description: 'rate_limited', schema: errorBody })
  async edit(
    @Param('room', validRoom) room: string,
    @Param('id', MessageIdPipe) id: string,
    @Body(MessageBodyPipe(validateEditMessageBody)) body: EditMessageBody,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<MessageEditedFrame> {
    await this.authorizeChange(user.id, room);
    return this.change(response, () => this.chat.edit(user, room, id, body.text));
  }

  /** Deletes a message (one's own, or any as a room admin); a repeated delete is 204 again, with no new event. */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Delete one's own message, or any in a room one administers" })
  @ApiParam({ name: 'id', description: 'the message id' })
  @ApiNoContentResponse({ description: 'deleted (now or by an earlier request)' })
  @ApiNotFoundResponse({ description: 'no such message in the room', schema: errorBody })
  @ApiTooManyRequestsResponse({ description: 'rate_limited', schema: errorBody })
  async delete(
    @Param('room', validRoom) room: string,
    @Param('id', MessageIdPipe) id: string,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<void> {
    await this.authorizeChange(user.id, room);
    await this.change(response, () => this.chat.delete(user, room, id));
  }

  private async authorizeChange(userId: string, room: string): Promise<void> {
    try {
      await this.access.authorize(userId, room);
    } catch (error) {
      this.metrics.framesRejected.inc({ code: 'forbidden' });
      throw error;
    }
  }

  private async change<F>(response: FastifyReply, run: () => Promise<F>): Promise<F> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
      if (error.retryAfterMs !== undefined)
        response.header('Retry-After', Math.ceil(error.retryAfterMs / 1000));
      throw toHttpError(error);
    }
  }
}
