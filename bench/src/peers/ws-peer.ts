import Redis from 'ioredis';
import { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { peerOptions, READY_LINE } from './peer-options';

/**
 * The bare `ws` peer: the practical ceiling for Node + ws. A connection to `/?room=R` is a member of R;
 * any connection may send `{"room","text"}`, which is serialized once and written to every member.
 * With `--redis` it runs as one of several instances: a publish goes through Redis pub/sub (one
 * connection to publish, a duplicate to subscribe) and each instance writes to its own members.
 */
const { port, redisUrl, channelPrefix } = peerOptions();
const rooms = new Map<string, Set<WebSocket>>();

function broadcast(room: string, frame: Buffer): void {
  const members = rooms.get(room);
  if (!members) return;
  for (const member of members) member.send(frame, { binary: false });
}

const publisher = redisUrl ? new Redis(redisUrl) : null;
const subscriber = publisher?.duplicate() ?? null;
if (subscriber) {
  void subscriber.psubscribe(`${channelPrefix}*`);
  subscriber.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) =>
    broadcast(channel.toString().slice(channelPrefix.length), message),
  );
}

const server = new WebSocketServer({ port, host: '127.0.0.1' });
server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
  const room = new URL(request.url ?? '/', 'http://peer').searchParams.get('room');
  if (room) {
    let members = rooms.get(room);
    if (!members) rooms.set(room, (members = new Set()));
    members.add(socket);
    socket.on('close', () => members.delete(socket));
  }
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { room: string; text: string };
    const frame = Buffer.from(
      JSON.stringify({ type: 'message', room: message.room, text: message.text, ts: Date.now() }),
    );
    if (publisher) void publisher.publish(`${channelPrefix}${message.room}`, frame);
    else broadcast(message.room, frame);
  });
});
server.on('listening', () => process.stdout.write(`${READY_LINE}\n`));
process.on('SIGTERM', () => process.exit(0));
