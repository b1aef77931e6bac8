import { INestApplicationContext } from '@nestjs/common';
import { ParsedClientFrame } from '@switchboard/protocol';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { ChatWsAdapter, ClientSocketHandler } from './chat-ws.adapter';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { SessionRegistry } from './session-registry';

function adapterWith(frames: ClientSocketHandler): ChatWsAdapter {
  return new ChatWsAdapter(
    {} as INestApplicationContext,
    {} as HandshakeAuthenticator,
    {} as SessionRegistry,
    1000,
    frames,
  );
}

describe('ChatWsAdapter frame dispatch', () => {
  it('hands every frame, parsed, to the frame handler in the message event itself, in order', () => {
    const received: [WebSocket, ParsedClientFrame][] = [];
    const adapter = adapterWith({
      onFrame: (socket, frame) => received.push([socket, frame]),
      onClose: () => undefined,
    });
    const client = new EventEmitter() as unknown as WebSocket;
    adapter.bindMessageHandlers(client);

    client.emit('message', Buffer.from('{"type":"ping"}'), false);
    client.emit('message', [Buffer.from('{"type":"join",'), Buffer.from('"room":"r1"}')], false);
    client.emit('message', Buffer.from('{"type":'), false);
    client.emit('message', Buffer.from('{"type":"ping"}'), true);

    // Synchronous: no promise or rxjs turn stands between a frame and its handler.
    expect(received.map(([socket]) => socket)).toEqual([client, client, client, client]);
    expect(received.map(([, frame]) => frame)).toEqual([
      { ok: true, frame: { type: 'ping' } },
      { ok: true, frame: { type: 'join', room: 'r1' } },
      { ok: false, error: { code: 'invalid_json', message: 'frame is not valid JSON' } },
      {
        ok: false,
        error: { code: 'invalid_message', message: 'frames must be JSON text, not binary' },
      },
    ]);
  });
});

describe('ChatWsAdapter close dispatch', () => {
  it('hands each close to the handler through one listener that every socket shares', () => {
    const closed: WebSocket[] = [];
    const adapter = adapterWith({
      onFrame: () => undefined,
      onClose: (socket) => closed.push(socket),
    });
    const [first, second] = [new EventEmitter(), new EventEmitter()] as unknown as WebSocket[];
    for (const client of [first, second]) {
      adapter.bindMessageHandlers(client);
      // Nest's disconnect hook: a closure per connection, which the adapter does not keep.
      adapter.bindClientDisconnect(client, () => closed.push(client));
    }

    expect(first.listeners('close')).toHaveLength(1);
    expect(first.listeners('close')[0]).toBe(second.listeners('close')[0]);
    second.emit('close', 1000, Buffer.alloc(0));
    first.emit('close', 1006, Buffer.alloc(0));
    expect(closed).toEqual([second, first]);
  });
});

describe('ChatWsAdapter server', () => {
  // Nest's platform-ws pins its own ws; package.json overrides it with the top-level one, whose
  // receiver frees each frame's mask (a ws 8.21 connection holds ~200 B more once it sent a frame).
  it('is built by the same ws the gateway imports', () => {
    const adapter = new ChatWsAdapter(
      createServer() as unknown as INestApplicationContext,
      {} as HandshakeAuthenticator,
      {} as SessionRegistry,
      1000,
      { onFrame: () => undefined, onClose: () => undefined },
    );
    const server = adapter.create(0, { path: '/ws' });
    try {
      expect(server).toBeInstanceOf(WebSocketServer);
    } finally {
      server.close();
    }
  });
});
