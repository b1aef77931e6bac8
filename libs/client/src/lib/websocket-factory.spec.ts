import { SwitchboardClient, SwitchboardError } from './switchboard-client';
import { defaultSocketFactory, WebSocketLike } from './websocket-factory';

const scope = globalThis as { WebSocket?: unknown };
const globalWebSocket = scope.WebSocket;

afterEach(() => {
  if (globalWebSocket === undefined) delete scope.WebSocket;
  else scope.WebSocket = globalWebSocket;
  jest.dontMock('ws');
  jest.resetModules();
});

describe('the default socket factory', () => {
  it('uses the global WebSocket when there is one (browsers, Node 22+)', async () => {
    const opened: string[] = [];
    scope.WebSocket = class {
      constructor(url: string) {
        opened.push(url);
      }
    };
    const createSocket = await defaultSocketFactory();
    createSocket?.('ws://global.test/ws');
    expect(opened).toEqual(['ws://global.test/ws']);
  });

  it('loads the ws package when there is no global WebSocket (Node 20)', async () => {
    delete scope.WebSocket;
    const createSocket = await defaultSocketFactory();
    // Port 9 (discard) on loopback: refused at once, nothing is listening there.
    const socket = createSocket?.('ws://127.0.0.1:9/ws') as WebSocketLike & { terminate?: unknown };
    // A `ws` socket: `terminate` is its own, the standard WebSocket has none (this lib may not import ws).
    expect(typeof socket.terminate).toBe('function');
    await new Promise((resolve) => {
      socket.onerror = () => undefined;
      socket.onclose = resolve;
    });
  });

  it('without a global WebSocket and without ws, connect() rejects with one error naming createSocket', async () => {
    delete scope.WebSocket;
    jest.doMock('ws', () => {
      throw new Error("Cannot find module 'ws'");
    });
    const token = jest.fn(() => 'token');
    const client = new SwitchboardClient({ url: 'ws://switchboard.test/ws', token });
    const errors: SwitchboardError[] = [];
    client.on('error', (error) => errors.push(error));

    const connected = client.connect();
    await expect(connected).rejects.toMatchObject({ code: 'websocket_unavailable' });
    await expect(connected).rejects.toThrow(/createSocket/);
    expect(errors).toHaveLength(1);
    expect(client.connectionState).toBe('closed');
    expect(token).not.toHaveBeenCalled();
  });
});
