import { INestApplicationContext } from '@nestjs/common';
import { ParsedClientFrame } from '@switchboard/protocol';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { ChatWsAdapter, ClientFrameHandler } from './chat-ws.adapter';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { SessionRegistry } from './session-registry';

function adapterWith(frames: ClientFrameHandler): ChatWsAdapter {
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
    const adapter = adapterWith({ onFrame: (socket, frame) => received.push([socket, frame]) });
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

describe('ChatWsAdapter server', () => {
  // Nest's platform-ws pins its own ws; package.json overrides it with the top-level one, whose
  // receiver frees each frame's mask (a ws 8.21 connection holds ~200 B more once it sent a frame).
  it('is built by the same ws the gateway imports', () => {
    const adapter = new ChatWsAdapter(
      createServer() as unknown as INestApplicationContext,
      {} as HandshakeAuthenticator,
      {} as SessionRegistry,
      1000,
      { onFrame: () => undefined },
    );
    const server = adapter.create(0, { path: '/ws' });
    try {
      expect(server).toBeInstanceOf(WebSocketServer);
    } finally {
      server.close();
    }
  });
});
