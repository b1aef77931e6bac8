import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { NotificationStore } from '@switchboard/persistence';
import { NotificationBroadcast, NotificationReadMoved, UserRef } from '@switchboard/protocol';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { NotificationMetrics } from '../metrics/notification-metrics';
import {
  formatSseComment,
  formatSseRetry,
  notificationFrame,
  notificationFrames,
  readStateFrame,
} from './sse-framing';
import { chunkedSocket, sseChunk } from './sse-event-writer';

/** A stream whose unsent data passes this is too slow to keep up; it is ended (the browser reconnects and resumes). */
const SLOW_STREAM_BYTES = 1024 * 1024;
const REPLAY_BATCH = 500;
/**
 * Streams written per turn of the event loop: a broadcast to 10,000 streams is written over several
 * turns, so PostgreSQL and Redis replies (a publish holding its recipients' locks waits for them) are
 * read in between rather than after all of it. A slice is a few milliseconds: each statement of a
 * publish under its locks waits up to one slice for its reply to be read.
 */
const FLUSH_SLICE = 250;
const KEEP_ALIVE = formatSseComment('keep-alive');

/**
 * `syncing`: reading from PostgreSQL; live notifications wait in `pending`.
 * `live`: written as they arrive.
 */
interface OpenStream {
  userId: string;
  response: ServerResponse;
  phase: 'syncing' | 'live';
  /** The newest id this stream has been given (or, with none yet, the user's newest when it opened). */
  lastId: bigint;
  /** A catch-up was asked for while this stream was reading: it reads once more before going live. */
  stale: boolean;
  /** Notifications by id, and read frames (`id` null), in arrival order. */
  pending: { id: bigint | null; frame: string }[];
  /**
   * Set with the headers: the socket live frames are written to as chunks, or null (they go through
   * `response.write`: HTTP/1.0, or a response ended at shutdown).
   */
  socket: Socket | null;
  /** Live frames queued and not yet written, as wire text ('' when none). */
  unsent: string;
  /**
   * The last write was buffered past the socket's high-water mark: how far behind the stream is gets
   * checked before anything more is queued (and only then, as it costs a call per delivery).
   */
  congested: boolean;
}

/**
 * The notification streams open on this instance. One bus subscription carries every stored
 * notification; each is framed once per user and written to every open stream of that user. Live
 * frames are queued and written on the next turns of the event loop, one write per stream: when
 * publishes arrive faster than they are written, a stream gets them in one socket write instead of one
 * each, so a busy instance writes less per event.
 * When this instance may have missed notifications (its bus subscription was lost, or a publisher
 * could not announce one), every open stream catches up from PostgreSQL from the last id it was
 * given, with the same seam as a resume.
 */
@Injectable()
export class NotificationStreamRegistry
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(NotificationStreamRegistry.name);
  private readonly streamsByUser = new Map<string, Set<OpenStream>>();
  private unsubscribe: Unsubscribe | undefined;
  private unsubscribeReads: Unsubscribe | undefined;
  private unsubscribeMissed: Unsubscribe | undefined;
  private stopCatchingUp: (() => void) | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  /**
   * The streams whose `unsent` holds frames, in the order they were queued; `flushed` of them have
   * been written. Written by `flushSlice`, scheduled with the first of them.
   */
  private unflushed: OpenStream[] = [];
  private flushed = 0;

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
    this.unsubscribeMissed = await this.bus.subscribe('notifications-missed', '', () =>
      this.catchUpAll('a publisher could not announce a notification'),
    );
    this.stopCatchingUp = this.bus.onResubscribed(() =>
      this.catchUpAll('the bus subscription is back after a loss'),
    );
    this.keepAliveTimer = setInterval(() => this.keepAlive(), this.config.sse.keepAliveMs);
    this.keepAliveTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.keepAliveTimer);
    this.stopCatchingUp?.();
    // Together: with Redis down, each waits out the connection's retries.
    await Promise.all(
      [this.unsubscribe, this.unsubscribeReads, this.unsubscribeMissed].flatMap((stop) =>
        stop ? [stop()] : [],
      ),
    );
    this.flush();
    // Ended streams let the HTTP server close; browsers reconnect (to another instance) and resume by id.
    // Anything later (a catch-up still reading) goes through the response, which checks for the end.
    for (const streams of this.streamsByUser.values())
      for (const stream of streams) {
        stream.socket = null;
        stream.response.end();
      }
  }

  /**
   * Starts a stream: (with `lastEventId`) every stored notification after it, then live. Registered
   * before anything is read, so live notifications wait for the reads and nothing falls between. The
   * user's newest id is read before the headers go out: a stream without `lastEventId` starts there,
   * so whatever is published once a client sees the headers reaches it, and a catch-up has a start
   * even while nothing has reached the stream.
   */
  async open(
    user: UserRef,
    response: ServerResponse,
    lastEventId: string | undefined,
  ): Promise<void> {
    const stream: OpenStream = {
      userId: user.id,
      response,
      phase: 'syncing',
      lastId: 0n,
      stale: false,
      pending: [],
      socket: null,
      unsent: '',
      congested: false,
    };
    this.add(stream);
    response.on('close', () => this.remove(stream));
    let newest: bigint;
    try {
      newest = BigInt(await this.store.newestId(user.id));
    } catch (error) {
      this.remove(stream);
      throw error;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    stream.congested = !response.write(formatSseRetry(this.config.sse.retryMs));
    stream.socket = chunkedSocket(response);
    // An id this user never had (another deployment, a restored database) would hide every new
    // notification below it: resume from the user's newest instead, so the stream always catches up.
    if (lastEventId === undefined || BigInt(lastEventId) > newest) stream.lastId = newest;
    else {
      stream.lastId = BigInt(lastEventId);
      await this.replay(stream);
    }
    await this.goLive(stream);
  }

  /** Every open stream reads what it may have missed; one reading already reads again after. */
  private catchUpAll(reason: string): void {
    let count = 0;
    for (const streams of this.streamsByUser.values())
      for (const stream of streams) {
        count++;
        if (stream.phase === 'syncing') stream.stale = true;
        else void this.catchUp(stream);
      }
    this.logger.log(`${reason}: ${count} streams catch up from PostgreSQL`);
  }

  /** A stream that cannot read PostgreSQL now is ended: its client reconnects and resumes by id. */
  private async catchUp(stream: OpenStream): Promise<void> {
    // Frames queued this turn come before anything read now.
    this.flushStream(stream);
    stream.phase = 'syncing';
    stream.stale = true;
    try {
      await this.goLive(stream);
    } catch {
      this.remove(stream);
      stream.response.destroy();
    }
  }

  /** Reads again while a catch-up was asked for meanwhile, then writes what waited, past the seam. */
  private async goLive(stream: OpenStream): Promise<void> {
    while (stream.stale) {
      stream.stale = false;
      await this.replay(stream);
    }
    stream.phase = 'live';
    for (const { id, frame } of stream.pending)
      if (id === null) this.write(stream, frame);
      else if (id > stream.lastId && this.write(stream, frame)) stream.lastId = id;
    stream.pending = [];
  }

  /** Writes every stored notification of the stream's user after its `lastId`, in order. */
  private async replay(stream: OpenStream): Promise<void> {
    const { response } = stream;
    for (;;) {
      const batch = await this.store.listAfter(stream.userId, String(stream.lastId), REPLAY_BATCH);
      for (const notification of batch) {
        if (response.destroyed) return;
        if (!response.write(notificationFrame(notification))) await once(response, 'drain');
        stream.lastId = BigInt(notification.id);
      }
      if (batch.length < REPLAY_BATCH) return;
    }
  }

  /** Each recipient's frame (and its chunk, for chunked streams) is made once for all their streams. */
  private deliver({ id: idText, content, userIds }: NotificationBroadcast): void {
    const started = performance.now();
    let delivered = 0;
    const framer = notificationFrames(content);
    const id = BigInt(idText);
    for (const userId of userIds) {
      const streams = this.streamsByUser.get(userId);
      if (streams === undefined) continue;
      let frame = '';
      let chunk = '';
      for (const stream of streams) {
        if (stream.phase === 'syncing')
          stream.pending.push({ id, frame: (frame ||= framer.frame(idText, userId)) });
        else if (id > stream.lastId) {
          const wire =
            stream.socket === null
              ? (frame ||= framer.frame(idText, userId))
              : (chunk ||= framer.chunk(idText, userId));
          if (this.queue(stream, wire)) {
            stream.lastId = id;
            delivered++;
          }
        }
      }
    }
    this.metrics.liveWindow.record(userIds.length, delivered, (performance.now() - started) * 1e6);
  }

  /**
   * A read position moved: every stream of the user hears it, a replaying one too (it carries no id);
   * one whose headers have not gone out yet hears it after them.
   */
  private announceRead({ userId, ...state }: NotificationReadMoved): void {
    const streams = this.streamsByUser.get(userId);
    if (!streams) return;
    const frame = readStateFrame(state);
    for (const stream of streams)
      if (stream.response.headersSent) this.write(stream, frame);
      else stream.pending.push({ id: null, frame });
  }

  /** `write` for a stream whose headers went out: the frame as it goes on the wire. */
  private write(stream: OpenStream, frame: string): boolean {
    return this.queue(stream, stream.socket === null ? frame : sseChunk(frame));
  }

  /**
   * Queues wire text for the next write (true when queued), or drops a stream that has fallen too far
   * behind. A dropped stream leaves the registry at once and is written no more: its `close` comes
   * later, and until then every notification for it would count it again.
   */
  private queue(stream: OpenStream, wire: string): boolean {
    const response = stream.response;
    if (stream.congested) {
      if (response.destroyed) return false;
      if (response.writableLength > SLOW_STREAM_BYTES) {
        this.remove(stream);
        response.destroy();
        this.metrics.slowConsumersDropped.inc();
        return false;
      }
    }
    if (stream.unsent === '') {
      if (this.unflushed.length === 0) setImmediate(this.flushSlice);
      this.unflushed.push(stream);
      stream.unsent = wire;
    } else stream.unsent += wire;
    return true;
  }

  /**
   * Writes the next `FLUSH_SLICE` queued streams, each stream's frames in one write in the order they
   * were queued, and comes back next turn for the rest. A stream queued again meanwhile (it was
   * written already) goes to the end; one not written yet takes its new frames in the same write.
   */
  private readonly flushSlice = (): void => {
    const streams = this.unflushed;
    const end = Math.min(streams.length, this.flushed + FLUSH_SLICE);
    for (let i = this.flushed; i < end; i++) this.flushStream(streams[i]);
    this.flushed = end;
    if (end < streams.length) setImmediate(this.flushSlice);
    else {
      this.unflushed = [];
      this.flushed = 0;
    }
  };

  /** Everything queued, now. */
  private flush(): void {
    const streams = this.unflushed;
    for (let i = this.flushed; i < streams.length; i++) this.flushStream(streams[i]);
    this.flushed = streams.length;
  }

  private flushStream(stream: OpenStream): void {
    const { response, socket, unsent } = stream;
    if (unsent === '') return;
    stream.unsent = '';
    if (socket !== null) {
      if (!socket.destroyed) stream.congested = !socket.write(unsent);
    } else if (!response.destroyed && !response.writableEnded)
      stream.congested = !response.write(unsent);
  }

  /** Not before a stream's own headers: a write would send default ones. */
  private keepAlive(): void {
    for (const streams of this.streamsByUser.values())
      for (const stream of streams)
        if (stream.response.headersSent) stream.response.write(KEEP_ALIVE);
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
