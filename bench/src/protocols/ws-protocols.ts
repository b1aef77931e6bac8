import { RawWebSocket } from '../harness/raw-websocket';

/**
 * How the load generator speaks each server's own WebSocket protocol: connect, join a room, publish,
 * and tell a delivery from everything else the server sends.
 */
export interface WsProtocol {
  /** The upgrade path for `user`; bare peers subscribe by path, so `room` may be part of it. */
  path(user: string, room: string | null): string;
  /** Finishes the protocol's own handshake and joins `room`; resolves once the server confirms. */
  join(ws: RawWebSocket, room: string): Promise<void>;
  /** Finishes the handshake only (publishers and idle connections). */
  ready(ws: RawWebSocket): Promise<void>;
  /** Routes the server's frames: deliveries to `onDelivery`, protocol chatter handled here. */
  listen(
    ws: RawWebSocket,
    onDelivery: (payload: Buffer) => void,
    onOther?: (payload: Buffer) => void,
  ): void;
  publish(ws: RawWebSocket, room: string, text: string): void;
}

function startsWith(payload: Buffer, prefix: Buffer): boolean {
  return (
    payload.length >= prefix.length &&
    payload.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
  );
}

/** Resolves with the first frame that `accept` takes, rejects on close or after `timeoutMs`. */
function awaitFrame(
  ws: RawWebSocket,
  accept: (payload: Buffer) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const previous = ws.onMessage;
    const timer = setTimeout(
      () => finish(new Error(`no ${what} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      ws.onMessage = previous;
      ws.onClose = () => undefined;
      if (error) reject(error);
      else resolve();
    };
    ws.onMessage = (payload) => {
      if (accept(payload)) finish();
      else if (startsWith(payload, ERROR_FRAME))
        finish(new Error(`${what}: ${payload.toString()}`));
      else previous(payload);
    };
    ws.onClose = (code) => finish(new Error(`closed with ${code} while waiting for ${what}`));
  });
}

const ERROR_FRAME = Buffer.from('{"type":"error"');
const SWITCHBOARD_MESSAGE = Buffer.from('{"type":"message"');
const SWITCHBOARD_JOINED = Buffer.from('{"type":"joined"');

/** Switchboard's gateway: `/ws?access_token=…`, `join` answered by `joined`, `message` answered by `ack`. */
export function switchboardProtocol(tokenOf: (user: string) => string): WsProtocol {
  return {
    path: (user) => `/ws?access_token=${tokenOf(user)}`,
    ready: async () => undefined,
    join(ws, room) {
      const joined = awaitFrame(
        ws,
        (payload) => startsWith(payload, SWITCHBOARD_JOINED),
        `joined ${room}`,
      );
      ws.sendText(JSON.stringify({ type: 'join', room }));
      return joined;
    },
    listen(ws, onDelivery, onOther) {
      ws.onMessage = (payload) => {
        if (startsWith(payload, SWITCHBOARD_MESSAGE)) onDelivery(payload);
        else onOther?.(payload);
      };
    },
    publish(ws, room, text) {
      ws.sendText(`{"type":"message","room":"${room}","text":"${text}"}`);
    },
  };
}

const BARE_MESSAGE = Buffer.from('{"type":"message"');

/** The bare ws peers: membership by path, a publish is `{"room","text"}`. */
export const bareWsProtocol: WsProtocol = {
  path: (_user, room) => (room ? `/?room=${room}` : '/'),
  ready: async () => undefined,
  join: async () => undefined,
  listen(ws, onDelivery, onOther) {
    ws.onMessage = (payload) => {
      if (startsWith(payload, BARE_MESSAGE)) onDelivery(payload);
      else onOther?.(payload);
    };
  },
  publish(ws, room, text) {
    ws.sendText(`{"room":"${room}","text":"${text}"}`);
  },
};

const EIO_OPEN = 0x30; // '0'
const EIO_PING = Buffer.from('2');
const SIO_CONNECTED = Buffer.from('40');
const SIO_EVENT_M = Buffer.from('42["m"');
const SIO_JOIN_ACK = Buffer.from('431[');

/** Engine.IO 4 / Socket.IO 5 over a plain WebSocket: open, connect to `/`, pings answered with pongs. */
export const socketIoProtocol: WsProtocol = {
  path: () => '/socket.io/?EIO=4&transport=websocket',
  async ready(ws) {
    const connected = awaitFrame(
      ws,
      (payload) => startsWith(payload, SIO_CONNECTED),
      'Socket.IO connect',
    );
    // The open packet comes first; the namespace connect request answers it.
    const previous = ws.onMessage;
    ws.onMessage = (payload) => {
      if (payload[0] === EIO_OPEN) ws.sendText('40');
      else previous(payload);
    };
    await connected;
    socketIoProtocol.listen(ws, () => undefined);
  },
  async join(ws, room) {
    await socketIoProtocol.ready(ws);
    const acked = awaitFrame(
      ws,
      (payload) => startsWith(payload, SIO_JOIN_ACK),
      `join ack ${room}`,
    );
    ws.sendText(`421["join","${room}"]`);
    return acked;
  },
  listen(ws, onDelivery, onOther) {
    ws.onMessage = (payload) => {
      if (startsWith(payload, SIO_EVENT_M)) onDelivery(payload);
      else if (payload.length === 1 && payload[0] === EIO_PING[0]) ws.sendText('3');
      else onOther?.(payload);
    };
  },
  publish(ws, room, text) {
    ws.sendText(`42["m","${room}","${text}"]`);
  },
};
