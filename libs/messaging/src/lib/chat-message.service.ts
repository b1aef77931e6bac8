import { Injectable, Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { AppendResult, ChangeOutcome, MessageStore, RoomStore } from '@switchboard/persistence';
import {
  ErrorCode,
  MessageChangeFrame,
  MessageDeletedFrame,
  MessageEditedFrame,
  UserRef,
} from '@switchboard/protocol';
import { RateLimiter } from '@switchboard/rate-limit';
import { ChatMetrics } from './chat-metrics';
import { RepeatedFailureLog } from '@switchboard/observability';
import { AwayDelivery } from './away-delivery';
import { MessageCommitQueue } from './message-commit-queue';

/** A send refused for a reason the client should see, with the protocol's error code. */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface OutgoingMessage {
  room: string;
  /** Already validated against the protocol (length, control characters). */
  text: string;
  clientMsgId: string | null;
}

/**
 * The one way a chat message enters Switchboard, from a WebSocket or over HTTP: rate limit, commit
 * to PostgreSQL, then fan out to every instance, then (not awaited) tell the members who are away.
 * A repeated `clientMsgId` returns the original.
 */
@Injectable()
export class ChatMessageService {
  // A bus outage fails the fan-out of every message: logged once per interval, not per message.
  private readonly fanOutFailures = new RepeatedFailureLog(new Logger(ChatMessageService.name));
  /** One per instance: the sends of every connection here are committed together. */
  private readonly commits: MessageCommitQueue;

  constructor(
    private readonly store: MessageStore,
    private readonly bus: MessageBus,
    private readonly limiter: RateLimiter,
    private readonly metrics: ChatMetrics,
    private readonly rooms: RoomStore,
    private readonly away: AwayDelivery,
  ) {
    this.commits = new MessageCommitQueue(store);
  }

  /**
   * Resolves once committed and fanned out. `abandoned` is asked just before the commit: true (the
   * sender's connection closed meanwhile) drops the message, rejecting with SendAbandonedError.
   */
  async send(
    user: UserRef,
    message: OutgoingMessage,
    abandoned?: () => boolean,
  ): Promise<AppendResult> {
    const verdict = await this.limiter.take(user.id);
    if (!verdict.allowed) {
      this.metrics.framesRejected.inc({ code: 'rate_limited' });
      throw new ChatError('rate_limited', 'too many messages; slow down', verdict.retryAfterMs);
    }
    const result = await this.commits.append(
      {
        room: message.room,
        userId: user.id,
        userName: user.name,
        text: message.text,
        clientMsgId: message.clientMsgId,
      },
      abandoned,
    );
    if (result.created) {
      this.metrics.messagesStored.inc();
      // Called as the commit resolves, before the next commit's messages: the bus gets them in seq order.
      try {
        await this.bus.publish('room', message.room, { type: 'message', ...result.message });
      } catch (error) {
        // Committed is delivered: members recover it by seq on their next join, so the send still succeeds.
        this.fanOutFailures.record('fan-out failed', error);
      }
      // After the commit and the fan-out, and not awaited: members away never slow the sender's ack.
      this.away.dispatch(result.message);
    }
    return result;
  }

  /**
   * Replaces the text of the user's own message (already validated like a message's): stored as an
   * event with the room's next seq and fanned out like a message. `forbidden` for another user's
   * message, `not_found` for an unknown or deleted one.
   */
  async edit(user: UserRef, room: string, id: string, text: string): Promise<MessageEditedFrame> {
    await this.takeBudget(user);
    const result = await this.store.edit(room, id, text, { userId: user.id, userName: user.name });
    return this.settle(result, id);
  }

  /**
   * Deletes the user's own message, or any message in a room they administer. A repeated delete of a
   * deleted message stores nothing and answers the first delete, so clients may retry freely.
   */
  async delete(user: UserRef, room: string, id: string): Promise<MessageDeletedFrame> {
    await this.takeBudget(user);
    const changer = { userId: user.id, userName: user.name };
    let result = await this.store.delete(room, id, changer);
    // Only a refused delete asks for the user's role: deleting one's own message costs no extra read.
    if (result.outcome === 'forbidden' && (await this.isAdmin(room, user.id))) {
      result = await this.store.delete(room, id, { ...changer, mayDeleteOthers: true });
    }
    return this.settle(result, id);
  }

  private async isAdmin(room: string, userId: string): Promise<boolean> {
    const { member } = await this.rooms.standing(room, userId);
    return member?.role === 'admin';
  }

  private async takeBudget(user: UserRef): Promise<void> {
    const verdict = await this.limiter.take(user.id);
    if (verdict.allowed) return;
    this.metrics.framesRejected.inc({ code: 'rate_limited' });
    throw new ChatError('rate_limited', 'too many messages; slow down', verdict.retryAfterMs);
  }

  private async settle<F extends MessageChangeFrame>(
    result: ChangeOutcome<F>,
    id: string,
  ): Promise<F> {
    switch (result.outcome) {
      case 'not_found':
        this.metrics.framesRejected.inc({ code: 'not_found' });
        throw new ChatError('not_found', `no message ${id} in this room`);
      case 'forbidden':
        this.metrics.framesRejected.inc({ code: 'forbidden' });
        throw new ChatError('forbidden', `message ${id} is not yours to change`);
      case 'changed':
        if (result.created) await this.fanOut(result.event);
        return result.event;
    }
  }

  private async fanOut(frame: MessageChangeFrame): Promise<void> {
    try {
      await this.bus.publish('room', frame.room, frame);
    } catch (error) {
      // Committed is delivered: members recover the event by seq on their next join.
      this.fanOutFailures.record('fan-out failed', error);
    }
  }
}
