import Redis from 'ioredis';
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { peerOptions, READY_LINE } from './peer-options';

/**
 * The bare `ws` peer: the practical ceiling for Node + ws. A connection to `/?room=R` is a member of R;
 * any connection may send `{"room","text"}`, which is serialized once and written to every member.
 * With `--redis` it runs as one of several instances: a publish goes through Redis pub/sub (one
 * connection to publish, a duplicate to subscribe) and each instance writes to its own members.
 *
 * By default a broadcast is also framed once: one complete WebSocket frame (header + payload,
 * unmasked) written as is to every member's TCP socket, as the gateway and Socket.IO 4.7+ do. With
 * `--per-socket-framing` each member's frame is built by `ws.send` instead (the weaker peer the
 * first benchmarks used, kept as a second row).
 */
const { port, redisUrl, channelPrefix, perSocketFraming } = peerOptions();

/** Unsent bytes past which a member is closed as too slow: the gateway's SLOW_CONSUMER_BYTES. */
const SLOW_CONSUMER_BYTES = 1024 * 1024;
/** "Try again later", the gateway's close code for a slow consumer. */
const CLOSE_SLOW_CONSUMER = 1013;

interface Member {
  socket: WebSocket;
  /** The TCP socket under `socket`: a pre-built frame is written to it directly. */
  transport: Socket;
}

const rooms = new Map<string, Set<Member>>();

/** A server-to-client text frame (FIN, unmasked) around `payload`: the gateway's `textFrame`. */
function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

function broadcast(room: string, payload: Buffer): void {
  const members = rooms.get(room);
  if (!members) return;
  if (perSocketFraming) {
    for (const { socket } of members) socket.send(payload, { binary: false });
    return;
  }
  const frame = textFrame(payload);
  for (const { socket, transport } of members) {
    if (socket.readyState !== WebSocket.OPEN) continue;
    // The gateway's backpressure rule: a member this far behind is closed (it would resume later).
    // bufferedAmount counts what waits in the TCP socket, so raw writes are seen too.
    if (socket.bufferedAmount > SLOW_CONSUMER_BYTES) {
      socket.close(CLOSE_SLOW_CONSUMER, 'slow consumer');
      continue;
    }
    transport.write(frame);
  }
}

const publisher = redisUrl ? new Redis(redisUrl) : null;
const subscriber = publisher?.duplicate() ?? null;
if (subscriber) {
  void subscriber.psubscribe(`${channelPrefix}*`);
  subscriber.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) =>
    broadcast(channel.toString().slice(channelPrefix.length), message),
  );
}

// No compression is negotiated, so `ws` writes its own frames (pongs, closes) synchronously and
// never holds one back in a queue: writing pre-built frames beside them keeps every frame whole.
const server = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
  const room = new URL(request.url ?? '/', 'http://peer').searchParams.get('room');
  if (room) {
    let members = rooms.get(room);
    if (!members) rooms.set(room, (members = new Set()));
    const member: Member = { socket, transport: request.socket };
    members.add(member);
    socket.on('close', () => members.delete(member));
  }
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { room: string; text: string };
    const payload = Buffer.from(
      JSON.stringify({ type: 'message', room: message.room, text: message.text, ts: Date.now() }),
    );
    if (publisher) void publisher.publish(`${channelPrefix}${message.room}`, payload);
    else broadcast(message.room, payload);
  });
});
server.on('listening', () => process.stdout.write(`${READY_LINE}\n`));
process.on('SIGTERM', () => process.exit(0));
