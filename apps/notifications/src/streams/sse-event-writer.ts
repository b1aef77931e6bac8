import type { ServerResponse } from 'node:http';

const CRLF = '\r\n';

/**
 * Writes one framed event to a stream that has already written once (so its headers went out ahead).
 * On a chunked (HTTP/1.1) response it is one socket write of the chunk as `response.write` frames it
 * (size in hex, CRLF, data, CRLF): Node's own path sends those as four corked writes flushed on the next
 * tick, which is most of a broadcast's cost per stream. Anything else (HTTP/1.0, no socket, ended) goes
 * through `response.write`.
 */
export function writeSseEvent(response: ServerResponse, event: string): void {
  const socket = response.socket;
  if (!socket || !response.chunkedEncoding || response.writableEnded) {
    response.write(event);
    return;
  }
  socket.write(Buffer.byteLength(event).toString(16) + CRLF + event + CRLF);
}
