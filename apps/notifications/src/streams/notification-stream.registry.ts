import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { NotificationStore } from '@switchboard/persistence';
import { NotificationBroadcast, NotificationReadMoved, UserRef } from '@switchboard/protocol';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { NotificationMetrics } from '../metrics/notification-metrics';
import {
  formatSseComment,
  formatSseRetry,
  notificationFrame,
  notificationFrames,
  readStateFrame,
} from './sse-framing';
import { sseWireText, writeSseWire } from './sse-event-writer';

/** A stream whose unsent data passes this is too slow to keep up; it is ended (the browser reconnects and resumes). */
const SLOW_STREAM_BYTES = 1024 * 1024;
const REPLAY_BATCH = 500;
const KEEP_ALIVE = formatSseComment('keep-alive');

/**
 * `syncing`: replaying from PostgreSQL; live notifications wait in `pending`.
 * `live`: written as they arrive; ids up to `watermark` were already replayed.
 */
interface OpenStream {
  userId: string;
  response: ServerResponse;
  phase: 'syncing' | 'live';
  watermark: bigint;
  pending: { id: bigint; frame: string }[];
  /** Live frames of this turn of the event loop not yet written, as wire text ('' when none). */
  unsent: string;
}

/**
 * The notification streams open on this instance. One bus subscription carries every stored
 * notification; each is framed once and written to every open stream of its user. Live frames are
 * written once per turn of the event loop: when publishes arrive faster than they are written, a
 * stream gets them in one socket write instead of one each, so a busy instance writes less per event.
 */
@Injectable()
export class NotificationStreamRegistry
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly streamsByUser = new Map<string, Set<OpenStream>>();
  private unsubscribe: Unsubscribe | undefined;
  private unsubscribeReads: Unsubscribe | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  /** The streams whose `unsent` holds frames; written by `flush`, scheduled with the first of them. */
  private unflushed: OpenStream[] = [];

  constructor(
    private readonly bus: MessageBus,
    private readonly store: NotificationStore,
    private readonly config: SwitchboardConfig,
    private readonly metrics: NotificationMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe('notifications', '', (batch) =>
      this.deliver(batch),
    );
    this.unsubscribeReads = await this.bus.subscribe('notification-read', '', (moved) =>
      this.announceRead(moved),
    );
    this.keepAliveTimer = setInterval(() => this.keepAlive(), this.config.sse.keepAliveMs);
    this.keepAliveTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.keepAliveTimer);
    await this.unsubscribe?.();
    await this.unsubscribeReads?.();
    this.flush();
    // Ended streams let the HTTP server close; browsers reconnect (to another instance) and resume by id.
    for (const streams of this.streamsByUser.values())
      for (const stream of streams) stream.response.end();
  }

  /**
   * Starts a stream: headers and `retry:` at once, then (with `lastEventId`) every stored notification
   * after it, then live. Subscribed before the replay reads, so nothing falls between the two.
   */
  async open(
    user: UserRef,
    response: ServerResponse,
    lastEventId: string | undefined,
  ): Promise<void> {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write(formatSseRetry(this.config.sse.retryMs));
    const stream: OpenStream = {
      userId: user.id,
      response,
      phase: 'syncing',
      watermark: 0n,
      pending: [],
      unsent: '',
    };
    this.add(stream);
    response.on('close', () => this.remove(stream));

    if (lastEventId !== undefined) {
      // An id this user never had (another deployment, a restored database) would hide every new
      // notification below it: resume from the user's newest instead, so the stream always catches up.
      const newest = await this.store.newestId(user.id);
      let cursor = BigInt(lastEventId) > BigInt(newest) ? newest : lastEventId;
      for (;;) {
        const batch = await this.store.listAfter(user.id, cursor, REPLAY_BATCH);
        for (const notification of batch) {
          if (response.destroyed) return;
          if (!response.write(notificationFrame(notification))) await once(response, 'drain');
        }
        cursor = batch.at(-1)?.id ?? cursor;
        if (batch.length < REPLAY_BATCH) break;
      }
      stream.watermark = BigInt(cursor);
    }
    stream.phase = 'live';
    for (const { id, frame } of stream.pending)
      if (id > stream.watermark) this.write(stream, frame);
    stream.pending = [];
  }

  private deliver({ id: idText, content, userIds }: NotificationBroadcast): void {
    const started = performance.now();
    let delivered = 0;
    const frameFor = notificationFrames(content);
    const id = BigInt(idText);
    for (const userId of userIds) {
      const streams = this.streamsByUser.get(userId);
      if (!streams) continue;
      const frame = frameFor(idText, userId);
      for (const stream of streams) {
        if (stream.phase === 'syncing') stream.pending.push({ id, frame });
        else if (id > stream.watermark && this.write(stream, frame)) delivered++;
      }
    }
    this.metrics.liveWindow.record(userIds.length, delivered, (performance.now() - started) * 1e6);
  }

  /** A read position moved: every stream of the user hears it, a replaying one too (it carries no id). */
  private announceRead({ userId, ...state }: NotificationReadMoved): void {
    const streams = this.streamsByUser.get(userId);
    if (!streams) return;
    const frame = readStateFrame(state);
    for (const stream of streams) this.write(stream, frame);
  }

  /**
   * Queues a frame for this turn's write (true when queued), or drops a stream that has fallen too far
   * behind. A dropped stream leaves the registry at once and is written no more: its `close` comes
   * later, and until then every notification for it would count it again.
   */
  private write(stream: OpenStream, frame: string): boolean {
    const response = stream.response;
    if (response.destroyed) return false;
    if (response.writableLength > SLOW_STREAM_BYTES) {
      this.remove(stream);
      response.destroy();
      this.metrics.slowConsumersDropped.inc();
      return false;
    }
    if (stream.unsent === '') {
      if (this.unflushed.length === 0) setImmediate(() => this.flush());
      this.unflushed.push(stream);
    }
    stream.unsent += sseWireText(response, frame);
    return true;
  }

  /** Writes each stream's queued frames, in the order they were queued, in one write per stream. */
  private flush(): void {
    const streams = this.unflushed;
    this.unflushed = [];
    for (const stream of streams) {
      const { response, unsent } = stream;
      stream.unsent = '';
      if (!response.destroyed && !response.writableEnded) writeSseWire(response, unsent);
    }
  }

  private keepAlive(): void {
    for (const streams of this.streamsByUser.values())
      for (const stream of streams) stream.response.write(KEEP_ALIVE);
  }

  private add(stream: OpenStream): void {
    let streams = this.streamsByUser.get(stream.userId);
    if (!streams) this.streamsByUser.set(stream.userId, (streams = new Set()));
    streams.add(stream);
    this.metrics.sseStreams.inc();
  }

  private remove(stream: OpenStream): void {
    const streams = this.streamsByUser.get(stream.userId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.streamsByUser.delete(stream.userId);
    this.metrics.sseStreams.dec();
  }
}
