import { ServerFrame } from '@switchboard/protocol';
import { WebSocket } from 'ws';
import { WAIT_TIMEOUT_MS } from './wait-timeout';

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

/** A real WebSocket client that queues every frame, for awaiting the next one that matches. */
export class WsTestClient {
  readonly frames: ServerFrame[] = [];
  closeCode: number | undefined;
  private waiters: {
    match: (frame: ServerFrame) => boolean;
    resolve: (frame: ServerFrame) => void;
  }[] = [];
  private readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as ServerFrame;
      const index = this.waiters.findIndex((waiter) => waiter.match(frame));
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static async connect(
    url: string,
    options: { token?: string; headers?: Record<string, string> } = {},
  ): Promise<WsTestClient> {
    const headers = {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    };
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new WsTestClient(socket);
  }

  /** The HTTP status of a refused upgrade. */
  static async refusal(url: string, headers: Record<string, string> = {}): Promise<number> {
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('open', () => reject(new Error('the upgrade was accepted')));
      socket.once('error', () => undefined);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame of this type (optionally also matching `where`), already received or still to come. */
  next<T extends ServerFrame['type']>(
    type: T,
    where: (frame: FrameOf<T>) => boolean = () => true,
    timeoutMs = WAIT_TIMEOUT_MS,
  ): Promise<FrameOf<T>> {
    const match = (frame: ServerFrame): boolean =>
      frame.type === type && where(frame as FrameOf<T>);
    const index = this.frames.findIndex(match);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0] as FrameOf<T>);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (frame: ServerFrame) => (clearTimeout(timer), resolve(frame as FrameOf<T>)),
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `no ${type} frame within ${timeoutMs} ms; unclaimed: ${JSON.stringify(this.frames)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends a frame and waits for the reply of the given type. */
  async request<T extends ServerFrame['type']>(
    frame: unknown,
    type: T,
    where?: (frame: FrameOf<T>) => boolean,
  ): Promise<FrameOf<T>> {
    this.send(frame);
    return this.next(type, where);
  }

  /** Frames of a type received and not yet claimed. */
  unclaimed<T extends ServerFrame['type']>(type: T): FrameOf<T>[] {
    return this.frames.filter((frame) => frame.type === type) as FrameOf<T>[];
  }

  waitClosed(): Promise<number> {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }
}
