/** The part of the WebSocket API the client uses: the browser's `WebSocket` and `ws` both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type CreateSocket = (url: string) => WebSocketLike;

type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * In a variable, so that bundlers for browsers neither follow nor bundle the import (browsers have
 * a global `WebSocket` and never reach it); Node resolves it at run time, from ESM and CommonJS.
 */
const WS_PACKAGE = 'ws';

/** Why a client cannot open sockets, and the two ways out. */
export const NO_WEBSOCKET_MESSAGE =
  'this runtime has no global WebSocket and the optional `ws` package is not installed: ' +
  'install `ws`, or pass `createSocket: (url) => new WebSocket(url)` to SwitchboardClient';

/**
 * The global `WebSocket` (browsers, Node 22+), else the `ws` package when installed (Node 20), else
 * undefined. `ws` is loaded only when there is no global one, on the first connection.
 */
export async function defaultSocketFactory(): Promise<CreateSocket | undefined> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return (url) => new global(url);
  let ws: { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
  try {
    ws = (await import(/* @vite-ignore */ /* webpackIgnore: true */ WS_PACKAGE)) as typeof ws;
  } catch {
    return undefined;
  }
  const WebSocket = ws.WebSocket ?? ws.default;
  return WebSocket && ((url) => new WebSocket(url));
}
