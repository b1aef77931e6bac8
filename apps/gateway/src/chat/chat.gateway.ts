import { Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import {
  ChatError,
  ChatMessageService,
  ChatMetrics,
  SendAbandonedError,
} from '@switchboard/messaging';
import { RepeatedFailureLog } from '@switchboard/observability';
import type { AppendResult } from '@switchboard/persistence';
import {
  ClientFrame,
  DeleteFrame,
  EditFrame,
  FrameRejection,
  LeaveFrame,
  MessageFrame,
  ParsedClientFrame,
  ServerFrame,
  TypingFrame,
} from '@switchboard/protocol';
import {
  ReadStateService,
  RoomAccessError,
  RoomAccessService,
  UserDirectory,
} from '@switchboard/room-access';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { ClientSocketHandler } from '../connections/chat-ws.adapter';
import { ClientSession, errorFrame } from '../connections/client-session';
import { HandshakeAuthenticator } from '../connections/handshake-authenticator';
import { SessionRegistry } from '../connections/session-registry';
import { RoomGatekeeper } from '../rooms/room-gatekeeper.service';
import { RoomMembershipService } from '../rooms/room-membership.service';
import { RoomTyping } from '../rooms/room-typing';
import { UserStatus } from '../rooms/user-status';

function ackOf({ message }: AppendResult): ServerFrame {
  return {
    type: 'ack',
    clientMsgId: message.clientMsgId,
    id: message.id,
    room: message.room,
    seq: message.seq,
    ts: message.ts,
  };
}

/** A send refused for a reason the client should see (none if it left); any other failure stays one. */
function refusalOf(error: unknown): ServerFrame | null {
  if (error instanceof SendAbandonedError) return null;
  if (!(error instanceof ChatError)) throw error;
  return errorFrame(error.code, error.message, error.retryAfterMs);
}

/** The chat protocol on `/ws`: one handler per client frame type, run in order per connection. */
@WebSocketGateway({ path: '/ws' })
export class ChatGateway implements OnGatewayConnection, ClientSocketHandler {
  // A database outage fails every connection's name update: logged once per interval.
  private readonly nameFailures = new RepeatedFailureLog(new Logger(ChatGateway.name));

  constructor(
    private readonly handshake: HandshakeAuthenticator,
    private readonly sessions: SessionRegistry,
    private readonly rooms: RoomMembershipService,
    private readonly gatekeeper: RoomGatekeeper,
    private readonly access: RoomAccessService,
    private readonly readState: ReadStateService,
    private readonly users: UserDirectory,
    private readonly chat: ChatMessageService,
    private readonly metrics: ChatMetrics,
    private readonly typing: RoomTyping,
    private readonly status: UserStatus,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const user = this.handshake.userOf(request);
    // Unreachable: the adapter authenticates every upgrade before a socket exists.
    if (!user) return socket.terminate();
    // The upgrade request's socket is the one ws speaks over.
    const session = this.sessions.open(socket, user, request.socket);
    this.status.settle(this.status.connected(session));
    // Names users who are offline later (a direct room's partner); the connection does not wait for it.
    this.users
      .remember(user)
      .catch((error: unknown) => this.nameFailures.record('storing a user name failed', error));
  }

  onClose(socket: WebSocket): void {
    const session = this.sessions.close(socket);
    if (!session) return;
    this.typing.closed(session);
    this.status.settle(this.status.disconnected(session));
    this.sessions.finish(session, () => this.rooms.leaveAll(session));
  }

  onFrame(socket: WebSocket, parsed: ParsedClientFrame): void {
    const session = this.sessions.get(socket);
    if (!session) return;
    session.alive = true;
    // A ping with nothing before it needs no I/O: answered at once, without a turn of the queue.
    if (parsed.ok && parsed.frame.type === 'ping' && session.isIdle()) {
      return session.send({ type: 'pong', ts: Date.now() });
    }
    const task = () =>
      parsed.ok ? this.handle(session, parsed.frame) : this.reject(session, parsed.error);
    // A message is answered in order by sendMessage, so the next frame need not wait for its commit.
    void (parsed.ok && parsed.frame.type === 'message'
      ? session.enqueueMessage(task)
      : session.enqueue(task));
  }

  private async handle(session: ClientSession, frame: ClientFrame): Promise<void> {
    try {
      switch (frame.type) {
        case 'join':
          return await this.gatekeeper.join(session, frame.room, frame.since, frame.watch);
        case 'join_direct':
          return await this.joinDirect(session, frame.user);
        case 'leave':
          return await this.leave(session, frame);
        case 'message':
          return await this.sendMessage(session, frame);
        case 'ping':
          return session.send({ type: 'pong', ts: Date.now() });
        case 'typing':
          return await this.startTyping(session, frame);
        case 'typing_stop':
          // Like leave, never refused: it can only end something.
          await this.typing.stop(session, frame.room);
          return session.send({ type: 'typing_stopped', room: frame.room });
        case 'presence':
          return session.send({
            type: 'presence',
            users: await this.status.statusFor(session.user.id, frame.users),
          });
        case 'read':
          return session.send({
            type: 'read',
            room: frame.room,
            seq: await this.readState.markRead(session.user, frame.room, frame.seq),
          });
        case 'edit':
        case 'delete':
          return await this.changeMessage(session, frame);
        case 'inbox':
          return session.send({
            type: 'inbox',
            rooms: await this.readState.inbox(session.user.id),
          });
      }
    } catch (error) {
      if (!(error instanceof RoomAccessError)) throw error;
      return this.reject(session, {
        code: error.reason === 'direct_with_self' ? 'invalid_message' : 'forbidden',
        message: error.message,
      });
    }
  }

  private async joinDirect(session: ClientSession, partnerId: string): Promise<void> {
    const { room } = await this.access.openDirect(session.user, partnerId);
    await this.gatekeeper.join(session, room, undefined);
  }

  /** Leaving is never refused: it can only take a room away. */
  private async leave(session: ClientSession, frame: LeaveFrame): Promise<void> {
    this.typing.left(session, frame.room);
    await this.rooms.leave(session, frame.room);
    if (frame.forget) await this.access.forget(session.user.id, frame.room);
    session.send({ type: 'left', room: frame.room });
  }

  /** Typing has its own per-connection budget, so it never uses up the user's messages. */
  private async startTyping(session: ClientSession, frame: TypingFrame): Promise<void> {
    const admitted = this.typing.admit(session);
    if (!admitted.allowed) {
      this.metrics.framesRejected.inc({ code: 'rate_limited' });
      return session.sendError(
        'rate_limited',
        'typing is sent too often: at most every 2 s per room',
        admitted.retryAfterMs,
      );
    }
    if (!this.rooms.isMember(session, frame.room)) {
      await this.access.authorize(session.user.id, frame.room);
      return this.reject(session, {
        code: 'not_joined',
        message: `join ${frame.room} before typing in it`,
      });
    }
    await this.typing.start(session, frame.room);
    session.send({ type: 'typing', room: frame.room });
  }

  /**
   * Starts the send and returns without waiting for its commit, so the connection's next messages join
   * the same commit; the ack (or the refusal) is sent in frame order once committed.
   */
  private async sendMessage(session: ClientSession, frame: MessageFrame): Promise<void> {
    if (!this.rooms.isMember(session, frame.room)) {
      // Off the hot path: a room the user may not use is refused as such, whether or not it exists.
      await session.allReplied();
      await this.access.authorize(session.user.id, frame.room);
      return this.reject(session, {
        code: 'not_joined',
        message: `join ${frame.room} before sending to it`,
      });
    }
    const sent = this.chat.send(
      session.user,
      { room: frame.room, text: frame.text, clientMsgId: frame.clientMsgId ?? null },
      session.isGone,
    );
    session.replyInOrder(sent.then(ackOf, refusalOf));
  }

  /** An edit or a delete in a joined room; the reply is `change_ack` with the event's seq. */
  private async changeMessage(
    session: ClientSession,
    frame: EditFrame | DeleteFrame,
  ): Promise<void> {
    if (!this.rooms.isMember(session, frame.room)) {
      await this.access.authorize(session.user.id, frame.room);
      return this.reject(session, {
        code: 'not_joined',
        message: `join ${frame.room} before changing its messages`,
      });
    }
    try {
      const event =
        frame.type === 'edit'
          ? await this.chat.edit(session.user, frame.room, frame.id, frame.text)
          : await this.chat.delete(session.user, frame.room, frame.id);
      const { room, id, seq } = event;
      session.send({ type: 'change_ack', action: frame.type, room, id, seq });
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
