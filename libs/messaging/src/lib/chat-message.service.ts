import { Injectable, Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { AppendResult, MessageStore } from '@switchboard/persistence';
import { ErrorCode, UserRef } from '@switchboard/protocol';
import { RateLimiter } from '@switchboard/rate-limit';
import { ChatMetrics } from './chat-metrics';
import { RepeatedFailureLog } from '@switchboard/observability';

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
 * to PostgreSQL, then fan out to every instance. A repeated `clientMsgId` returns the original.
 */
@Injectable()
export class ChatMessageService {
  // A bus outage fails the fan-out of every message: logged once per interval, not per message.
  private readonly fanOutFailures = new RepeatedFailureLog(new Logger(ChatMessageService.name));

  constructor(
    private readonly store: MessageStore,
    private readonly bus: MessageBus,
    private readonly limiter: RateLimiter,
    private readonly metrics: ChatMetrics,
  ) {}

  async send(user: UserRef, message: OutgoingMessage): Promise<AppendResult> {
    const verdict = await this.limiter.take(user.id);
    if (!verdict.allowed) {
      this.metrics.framesRejected.inc({ code: 'rate_limited' });
      throw new ChatError('rate_limited', 'too many messages; slow down', verdict.retryAfterMs);
    }
    const result = await this.store.append({
      room: message.room,
      userId: user.id,
      userName: user.name,
      text: message.text,
      clientMsgId: message.clientMsgId,
    });
    if (result.created) {
      this.metrics.messagesStored.inc();
      try {
        await this.bus.publish('room', message.room, { type: 'message', ...result.message });
      } catch (error) {
        // Committed is delivered: members recover it by seq on their next join, so the send still succeeds.
        this.fanOutFailures.record('fan-out failed', error);
      }
    }
    return result;
  }
}
