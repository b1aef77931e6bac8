import { ErrorCode, ServerFrame, UserRef } from '@switchboard/protocol';
import { RepeatedFailureLog } from '@switchboard/observability';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { CompactList, itemsOf, withItem, withoutItem } from './exact-arrays';

/** A connection whose unsent data passes this is too slow to keep up with its rooms and is closed. */
export const SLOW_CONSUMER_BYTES = 1024 * 1024;
/** Close code for a slow consumer: "try again later" (reconnect and resume with `since`). */
export const CLOSE_SLOW_CONSUMER = 1013;
/** Frames one connection may have waiting; a client sending faster than they are handled is closed. */
export const MAX_QUEUED_FRAMES = 256;
/** Close code for a client that floods the server: "policy violation". */
export const CLOSE_FLOODING = 1008;

/** A heartbeat interval is worked through in this many slices, so no single turn pings every socket. */
export const HEARTBEAT_SLICES = 10;
/** Connections take the heartbeat's slices in turn, so each slice pings an even share. */
let nextHeartbeatSlice = 0;

/**
 * Every session's queues start from this one settled promise, and return to it whenever nothing is
 * queued: an idle connection holds no promise of its own.
 */
const SETTLED: Promise<void> = Promise.resolve();

/** The `error` frame of a refused client frame. */
export function errorFrame(code: ErrorCode, message: string, retryAfterMs?: number): ServerFrame {
  return retryAfterMs === undefined
    ? { type: 'error', code, message }
    : { type: 'error', code, message, retryAfterMs };
}

/** One authenticated WebSocket connection and the rooms it has joined. */
export class ClientSession {
  /** Which slice of the heartbeat interval pings this connection (HeartbeatService). */
  readonly heartbeatSlice = nextHeartbeatSlice++ % HEARTBEAT_SLICES;
  /** The rooms this connection is in, so that closing it costs its rooms, not every room here. */
  private joined: CompactList<string> = undefined;
  private droppedAsSlow = false;
  /**
   * The transport's byte count when the heartbeat last cleared `alive`: any byte read since (a pong,
   * a frame) shows the client is there, with no `pong` listener and closure per connection. -1: set.
   */
  private bytesReadWhenCleared = -1;
  /** `isGone`'s function, made on first use: an idle connection never hands it to a send. */
  private goneCheck: (() => boolean) | undefined;
  private queue = SETTLED;
  /** Settles once every reply handed to `replyInOrder` so far is sent. */
  private replied = SETTLED;
  private queued = 0;

  constructor(
    readonly socket: WebSocket,
    readonly user: UserRef,
    /** The TCP socket under `socket`, for frames built once per broadcast and the heartbeat. */
    private readonly transport: Pick<Socket, 'write' | 'bytesRead'>,
    /** Shared by every session: an outage fails every frame, and the log says so once, not per frame. */
    private readonly failures: RepeatedFailureLog,
  ) {}

  /**
   * Cleared by every heartbeat; true again once the client sends anything (a pong or a frame): still
   * clear at the next heartbeat means gone. Setting it true counts as having heard from the client.
   */
  get alive(): boolean {
    return this.bytesReadWhenCleared === -1 || this.transport.bytesRead > this.bytesReadWhenCleared;
  }

  set alive(heard: boolean) {
    this.bytesReadWhenCleared = heard ? -1 : this.transport.bytesRead;
  }

  /** True once the socket is closing or closed: work for it is no longer wanted. */
  get isGone(): () => boolean {
    return (this.goneCheck ??= () => this.socket.readyState !== WebSocket.OPEN);
  }

  /** The rooms this connection is in. */
  get rooms(): readonly string[] {
    return itemsOf(this.joined);
  }

  isIn(room: string): boolean {
    return this.joined === room || itemsOf(this.joined).includes(room);
  }

  enteredRoom(room: string): void {
    if (!this.isIn(room)) this.joined = withItem(this.joined, room);
  }

  leftRoom(room: string): void {
    this.joined = withoutItem(this.joined, room);
  }

  /**
   * Runs the frames of one connection one at a time, in arrival order, each once every earlier frame
   * is answered: a `message` sent right after `join` must see the join done, and a frame after
   * messages sees them committed. A frame whose turn comes once the socket is closing (flooding, too
   * slow, gone) is dropped: its reply could never arrive, so a flooder's messages would be stored
   * unacknowledged.
   */
  enqueue(task: () => Promise<void>): Promise<void> {
    return this.schedule(this.whenOpen(task), true);
  }

  /**
   * Like `enqueue`, but without waiting for earlier replies, for a task that hands its reply to
   * `replyInOrder`: consecutive messages are committed together instead of one commit each.
   */
  enqueueMessage(task: () => Promise<void>): Promise<void> {
    return this.schedule(this.whenOpen(task), false);
  }

  /** Runs a closed session's last task after every frame queued before it is handled or dropped. */
  enqueueLast(task: () => Promise<void>): Promise<void> {
    return this.schedule(task, true);
  }

  /**
   * Sends `reply` once it resolves and every reply handed here before it is sent, so replies keep
   * frame order; the frame counts against MAX_QUEUED_FRAMES until then. A rejection is answered
   * with `internal_error`, like a failed frame; null sends nothing.
   */
  replyInOrder(reply: Promise<ServerFrame | null>): void {
    this.queued++;
    const settled = reply.then(
      (frame) => () => {
        if (frame) this.send(frame);
      },
      (error: unknown) => () => this.failFrame(error),
    );
    this.replied = this.replied
      .then(() => settled)
      .then((sendReply) => sendReply())
      .catch((error: unknown) => this.failures.record('internal_error', error))
      .finally(() => this.done());
  }

  /** Resolves once every reply handed to `replyInOrder` so far is sent. */
  allReplied(): Promise<void> {
    return this.replied;
  }

  /** No frame is queued, running or waiting to send its reply: one answered now keeps frame order. */
  isIdle(): boolean {
    return this.queued === 0;
  }

  private whenOpen(task: () => Promise<void>): () => Promise<void> {
    return () => (this.socket.readyState === WebSocket.OPEN ? task() : Promise.resolve());
  }

  private schedule(task: () => Promise<void>, afterReplies: boolean): Promise<void> {
    if (++this.queued > MAX_QUEUED_FRAMES) {
      this.socket.close(CLOSE_FLOODING, 'too many frames in flight');
    }
    this.queue = this.queue
      .then(afterReplies ? () => this.replied.then(task) : task)
      .catch((error: unknown) => this.failFrame(error))
      .finally(() => this.done());
    return this.queue;
  }

  /** A frame or reply is finished; with nothing left, every earlier one is too, and the chains restart. */
  private done(): void {
    if (--this.queued === 0) this.queue = this.replied = SETTLED;
  }

  private failFrame(error: unknown): void {
    this.failures.record('internal_error', error);
    this.sendError('internal_error', 'the server failed to handle this frame');
  }

  send(frame: ServerFrame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  sendError(code: ErrorCode, message: string, retryAfterMs?: number): void {
    this.send(errorFrame(code, message, retryAfterMs));
  }

  /** More than SLOW_CONSUMER_BYTES are waiting to be sent: the client cannot keep up with its rooms. */
  isSlow(): boolean {
    return this.socket.bufferedAmount > SLOW_CONSUMER_BYTES;
  }

  /**
   * Closes a slow consumer; it reconnects and resumes with `since`, which costs it nothing. True only
   * for the call that closed it: broadcasts keep finding it slow until the close completes.
   */
  dropAsSlow(): boolean {
    if (this.droppedAsSlow) return false;
    this.droppedAsSlow = true;
    this.socket.close(CLOSE_SLOW_CONSUMER, 'slow consumer');
    return true;
  }

  /**
   * Writes a complete WebSocket frame (`textFrame`) straight to the TCP socket; false if the
   * connection is no longer open. Safe beside ws's own sends because the server negotiates no
   * compression, so ws writes each frame synchronously and never holds one back in a queue.
   * What waits unsent still counts in `bufferedAmount`, so `isSlow()` sees it.
   */
  sendFrame(frame: Buffer): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.transport.write(frame);
    return true;
  }
}
