import type { WebSocketLike } from '@switchboard/client';

/** Closed when the browser reports the network gone, so the client reconnects and resumes. */
const CLOSE_ABNORMAL = 1006;

/**
 * The browser's WebSocket, closed as soon as the browser says it is offline rather than when TCP
 * finally notices (minutes, for a half-open connection), and not opened while it is offline: the
 * SDK then reconnects with backoff and recovers every room by seq once the network is back.
 */
export function createOfflineAwareSocket(url: string): WebSocketLike {
  return new OfflineAwareSocket(url);
}

class OfflineAwareSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  private readonly socket: WebSocket | null;
  private closed = false;
  private readonly wentOffline = () => this.abandon();

  constructor(url: string) {
    if (!navigator.onLine) {
      this.socket = null;
      // After the caller has set its handlers, as a real socket would report a failed connect.
      setTimeout(() => this.finish(), 0);
      return;
    }
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = (event) => this.onopen?.(event);
    socket.onmessage = (event: MessageEvent) => this.onmessage?.(event);
    socket.onerror = (event) => this.onerror?.(event);
    socket.onclose = (event) => this.finish(event.code);
    window.addEventListener('offline', this.wentOffline);
  }

  get readyState(): number {
    if (this.closed || !this.socket) return WebSocket.CLOSED;
    return this.socket.readyState;
  }

  send(data: string): void {
    this.socket?.send(data);
  }

  close(code?: number, reason?: string): void {
    this.socket?.close(code, reason);
  }

  /** Reports the connection lost at once; the socket itself closes in the background. */
  private abandon(): void {
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.onmessage = null;
      this.socket.close();
    }
    this.finish();
  }

  private finish(code = CLOSE_ABNORMAL): void {
    if (this.closed) return;
    this.closed = true;
    window.removeEventListener('offline', this.wentOffline);
    this.onclose?.({ code });
  }
}
