import { MessageDeliveryFrame, MessageEditedFrame, ServerFrame } from '@switchboard/protocol';
import { RawData, WebSocket } from 'ws';
import { ClosingFrame, fragmentOffsets, HostileFrame, paddedFrame } from './hostile-frames';

/** The frames that answer a client frame, one each; everything else the server sends is a broadcast. */
export type ReplyFrame = Exclude<
  Extract<
    ServerFrame,
    {
      type:
        | 'joined'
        | 'left'
        | 'ack'
        | 'pong'
        | 'error'
        | 'change_ack'
        | 'read'
        | 'inbox'
        | 'typing'
        | 'typing_stopped'
        | 'presence';
    }
  >,
  { user: unknown }
>;
const REPLY_TYPES = new Set([
  'joined',
  'left',
  'ack',
  'pong',
  'error',
  'change_ack',
  'read',
  'inbox',
  'typing',
  'typing_stopped',
  'presence',
]);
/** README: a server frame that is not a reply has a type no request is answered with, or `user` or `reason`. */
const BROADCAST_TYPES = new Set([
  'message',
  'user_joined',
  'user_left',
  'message_edited',
  'message_deleted',
  'status',
  'unread',
]);

/**
 * One live connection that sends hostile frames exactly as generated (fragmented, binary, invalid
 * UTF-8) and records, in order, every reply, every broadcast of a message, and how it closed.
 */
export class FuzzConnection {
  readonly replies: ReplyFrame[] = [];
  readonly messages: MessageDeliveryFrame[] = [];
  readonly edits: MessageEditedFrame[] = [];
  /** Anything the server sent that is not a frame of the protocol. */
  readonly strangeFrames: string[] = [];
  closeCode: number | null = null;
  private waiters: { ready: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary));
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    // A refused frame or a cut connection shows as the close code; there is nothing else to handle.
    socket.on('error', () => undefined);
  }

  static async open(url: string, token: string): Promise<FuzzConnection> {
    const socket = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new FuzzConnection(socket);
  }

  /** Sends one frame; returns how many WebSocket data frames that took. */
  send(frame: HostileFrame): number {
    switch (frame.kind) {
      case 'text':
        this.socket.send(frame.text);
        return 1;
      case 'fragmented':
        return this.sendFragments(
          Buffer.from(frame.text, 'utf8'),
          frame.cuts,
          false,
          frame.pingBetween,
        );
      case 'binary':
        return this.sendFragments(Buffer.from(frame.bytes), frame.cuts, true, false);
    }
  }

  /** Sends a frame after which the server closes the connection (or, for a flood, may answer each). */
  sendClosing(frame: ClosingFrame): number {
    switch (frame.kind) {
      case 'oversized': {
        const payload = frame.binary
          ? Buffer.alloc(frame.bytes, 0x7b)
          : Buffer.from(paddedFrame('message', frame.bytes));
        const cuts = Array.from({ length: frame.fragments - 1 }, (_, n) =>
          Math.floor(((n + 1) * frame.bytes) / frame.fragments),
        );
        return this.sendFragments(payload, cuts, frame.binary, false);
      }
      case 'invalid-utf8':
        return this.sendFragments(Buffer.from(frame.bytes), frame.cuts, false, false);
      case 'flood':
        for (let n = 0; n < frame.count; n++) this.socket.send(frame.text);
        return frame.count;
    }
  }

  sendPing(): void {
    this.socket.send('{"type":"ping"}');
  }

  /** Resolves true once `ready()` holds, false if it still does not after `timeoutMs`. */
  until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        ready,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Closes from this side (1000) unless the server already did, and waits for the close. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closeCode !== null) return;
    this.socket.close(1000);
    if (!(await this.until(() => this.closeCode !== null, timeoutMs))) this.socket.terminate();
  }

  private sendFragments(
    payload: Buffer,
    cuts: readonly number[],
    binary: boolean,
    pingBetween: boolean,
  ): number {
    const offsets = [0, ...fragmentOffsets(payload.length, cuts), payload.length];
    const pieces = offsets.slice(1).map((end, n) => payload.subarray(offsets[n], end));
    pieces.forEach((piece, n) => {
      const last = n === pieces.length - 1;
      // Control frames may come between the fragments of a message (RFC 6455 5.4).
      if (n > 0 && pingBetween) this.socket.ping();
      this.socket.send(piece, { binary, fin: last });
    });
    return pieces.length;
  }

  private receive(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    const text = bytes.toString('utf8');
    let frame: ServerFrame | null = null;
    try {
      frame = isBinary ? null : (JSON.parse(text) as ServerFrame);
    } catch {
      frame = null;
    }
    const broadcast = frame !== null && ('user' in frame || 'reason' in frame);
    if (frame && !broadcast && REPLY_TYPES.has(frame.type)) this.replies.push(frame as ReplyFrame);
    else if (frame?.type === 'message') this.messages.push(frame);
    else if (frame?.type === 'message_edited') this.edits.push(frame);
    else if (!frame || !(broadcast || BROADCAST_TYPES.has(frame.type)))
      this.strangeFrames.push(text.slice(0, 200));
    this.wake();
  }

  private wake(): void {
    const ready = this.waiters.filter((waiter) => waiter.ready());
    this.waiters = this.waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve();
  }
}
