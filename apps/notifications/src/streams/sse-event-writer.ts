import type { ServerResponse } from 'node:http';

const CRLF = '\r\n';

/**
 * The bytes one event takes on a stream that has already written once (so its headers went out
 * ahead): on a chunked (HTTP/1.1) response its own chunk as `response.write` frames it (size in hex,
 * CRLF, data, CRLF), else the event itself. Texts of one response concatenate into one write.
 */
export function sseWireText(response: ServerResponse, event: string): string {
  if (!response.socket || !response.chunkedEncoding) return event;
  return Buffer.byteLength(event).toString(16) + CRLF + event + CRLF;
}

/**
 * Writes texts made by `sseWireText` for an open response. On a chunked response it is one socket
 * write: Node's own path sends each chunk as four corked writes flushed on the next tick, which is
 * most of a broadcast's cost per stream. Anything else (HTTP/1.0, no socket) goes through
 * `response.write`.
 */
export function writeSseWire(response: ServerResponse, wire: string): void {
  const socket = response.socket;
  if (socket && response.chunkedEncoding) socket.write(wire);
  else response.write(wire);
}
