import type { ServerResponse } from 'node:http';

const CRLF = '\r\n';
/** Chunk-size lines up to this length are kept: event sizes repeat from one stream to the next. */
const CACHED_CHUNK_HEADERS = 64 * 1024;
const chunkHeaders: string[] = [];

/**
 * Text as its UTF-8 bytes, one byte per char (a latin1 "binary" string): its length is its byte length,
 * and a socket writes it as a plain copy instead of encoding UTF-8 again for every stream.
 */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function chunkHeader(byteLength: number): string {
  if (byteLength >= CACHED_CHUNK_HEADERS) return byteLength.toString(16) + CRLF;
  return (chunkHeaders[byteLength] ??= byteLength.toString(16) + CRLF);
}

/**
 * Writes one framed event, given as UTF-8 bytes (see `utf8Bytes`), to a stream that has already
 * written once (so its headers went out ahead). On a chunked (HTTP/1.1) response it is one socket write
 * of the chunk as `response.write` frames it (size in hex, CRLF, data, CRLF): Node's own path sends
 * those as four corked writes flushed on the next tick, which is most of a broadcast's cost per stream.
 * Anything else (HTTP/1.0, no socket, ended) goes through `response.write`.
 */
export function writeSseEventBytes(response: ServerResponse, event: string): void {
  const socket = response.socket;
  if (!socket || !response.chunkedEncoding || response.writableEnded) {
    response.write(event, 'latin1');
    return;
  }
  socket.write(chunkHeader(event.length) + event + CRLF, 'latin1');
}

/** `writeSseEventBytes` for an event given as text. */
export function writeSseEvent(response: ServerResponse, event: string): void {
  writeSseEventBytes(response, utf8Bytes(event));
}
