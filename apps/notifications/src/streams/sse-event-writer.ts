import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const CRLF = '\r\n';

/**
 * The socket an open response's events can be written to directly, each as its own chunk: a chunked
 * (HTTP/1.1) response whose headers went out with its first write. Null otherwise (HTTP/1.0, no
 * socket): events then go through `response.write` as they are. Node's own chunked path sends each
 * chunk as four corked writes flushed on the next tick, which is most of a broadcast's cost per stream.
 */
export function chunkedSocket(response: ServerResponse): Socket | null {
  return response.socket && response.chunkedEncoding ? response.socket : null;
}

/**
 * One event as `response.write` frames it on a chunked response (size in hex, CRLF, data, CRLF).
 * Chunks of one response concatenate into one socket write.
 */
export function sseChunk(event: string): string {
  return sizedSseChunk(event, Buffer.byteLength(event));
}

/** `sseChunk` for an event whose size in UTF-8 bytes is known. */
export function sizedSseChunk(event: string, bytes: number): string {
  return bytes.toString(16) + CRLF + event + CRLF;
}
