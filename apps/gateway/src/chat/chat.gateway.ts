import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { ChatError, ChatMessageService, ChatMetrics } from '@switchboard/messaging';
import {
  ClientFrame,
  FrameRejection,
  MessageFrame,
  ParsedClientFrame,
} from '@switchboard/protocol';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { CLIENT_FRAME_EVENT } from '../connections/chat-ws.adapter';
import { ClientSession } from '../connections/client-session';
import { HandshakeAuthenticator } from '../connections/handshake-authenticator';
import { SessionRegistry } from '../connections/session-registry';
import { RoomMembershipService } from '../rooms/room-membership.service';

/** The chat protocol on `/ws`: one handler per client frame type, run in order per connection. */
@WebSocketGateway({ path: '/ws' })
export class ChatGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly handshake: HandshakeAuthenticator,
    private readonly sessions: SessionRegistry,
    private readonly rooms: RoomMembershipService,
    private readonly chat: ChatMessageService,
    private readonly metrics: ChatMetrics,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const user = this.handshake.userOf(request);
    // Unreachable: the adapter authenticates every upgrade before a socket exists.
    if (!user) return socket.terminate();
    // The upgrade request's socket is the one ws speaks over.
    this.sessions.open(socket, user, request.socket);
  }

  handleDisconnect(socket: WebSocket): void {
    const session = this.sessions.close(socket);
    if (session) this.sessions.finish(session, () => this.rooms.leaveAll(session));
  }

  @SubscribeMessage(CLIENT_FRAME_EVENT)
  onFrame(@ConnectedSocket() socket: WebSocket, @MessageBody() parsed: ParsedClientFrame): void {
    const session = this.sessions.get(socket);
    if (!session) return;
    session.alive = true;
    void session.enqueue(() =>
      parsed.ok ? this.handle(session, parsed.frame) : this.reject(session, parsed.error),
    );
  }

  private async handle(session: ClientSession, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'join':
        return this.rooms.join(session, frame.room, frame.since);
      case 'leave':
        await this.rooms.leave(session, frame.room);
        return session.send({ type: 'left', room: frame.room });
      case 'message':
        return this.sendMessage(session, frame);
      case 'ping':
        return session.send({ type: 'pong', ts: Date.now() });
    }
  }

  private async sendMessage(session: ClientSession, frame: MessageFrame): Promise<void> {
    if (!this.rooms.isMember(session, frame.room)) {
      return this.reject(session, {
        code: 'not_joined',
        message: `join ${frame.room} before sending to it`,
      });
    }
    try {
      const { message } = await this.chat.send(session.user, {
        room: frame.room,
        text: frame.text,
        clientMsgId: frame.clientMsgId ?? null,
      });
      session.send({
        type: 'ack',
        clientMsgId: message.clientMsgId,
        id: message.id,
        room: message.room,
        seq: message.seq,
        ts: message.ts,
      });
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
      session.sendError(error.code, error.message, error.retryAfterMs);
    }
  }

  private async reject(session: ClientSession, rejection: FrameRejection): Promise<void> {
    this.metrics.framesRejected.inc({ code: rejection.code });
    session.sendError(rejection.code, rejection.message);
  }
}
