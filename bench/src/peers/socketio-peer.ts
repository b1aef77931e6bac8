import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { peerOptions, READY_LINE } from './peer-options';

/**
 * The Socket.IO 4 peer, websocket transport only, scaled with `@socket.io/redis-adapter`:
 * `join(room, ack)` joins, `m(room, text)` broadcasts `m({room,text,ts})` to the room on every instance.
 */
const { port, redisUrl, channelPrefix } = peerOptions();
const io = new Server({ transports: ['websocket'], serveClient: false });
if (redisUrl) {
  const publisher = new Redis(redisUrl);
  io.adapter(createAdapter(publisher, publisher.duplicate(), { key: `${channelPrefix}socket.io` }));
}
io.on('connection', (socket) => {
  socket.on('join', (room: string, ack: () => void) => {
    void socket.join(room);
    ack();
  });
  // An ack, when the client asks for one, follows the broadcast (publish-rate's windowed publisher).
  socket.on('m', (room: string, text: string, ack?: () => void) => {
    io.to(room).emit('m', { type: 'message', room, text, ts: Date.now() });
    ack?.();
  });
});
const http = createServer();
io.attach(http);
http.listen(port, '127.0.0.1', () => process.stdout.write(`${READY_LINE}\n`));
process.on('SIGTERM', () => process.exit(0));
