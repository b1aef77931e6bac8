import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { ParsedClientFrame, parseClientFrame, PROTOCOL_LIMITS } from '@switchboard/protocol';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { HandshakeAuthenticator, HandshakeVerdict } from './handshake-authenticator';
import { SessionRegistry } from './session-registry';

/**
 * Where every client frame goes, already parsed and validated (or its rejection), and every close of
 * an accepted socket: the chat gateway.
 */
export interface ClientSocketHandler {
  /** Called in the socket's `message` event; never throws (a frame's failure is answered on the socket). */
  onFrame(socket: WebSocket, frame: ParsedClientFrame): void;
  /** Called in the socket's `close` event, once, for every socket handed to the gateway. */
  onClose(socket: WebSocket): void;
}

/** Close code sent to every client when the instance shuts down ("going away"). */
export const CLOSE_GOING_AWAY = 1001;

const BINARY_FRAME: ParsedClientFrame = {
  ok: false,
  error: { code: 'invalid_message', message: 'frames must be JSON text, not binary' },
};

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

type VerifyClientCallback = (
  result: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/** Seconds a client refused during shutdown is asked to wait: by then it reaches another instance. */
const SHUTDOWN_RETRY_AFTER_SECONDS = 1;

/** The answer to an upgrade that arrives while the instance shuts down. */
const SHUTTING_DOWN_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\n' +
  `Retry-After: ${SHUTDOWN_RETRY_AFTER_SECONDS}\r\n` +
  'Connection: close\r\nContent-Length: 0\r\n\r\n';

function refuseAsShuttingDown(done: VerifyClientCallback): void {
  done(false, 503, 'Service Unavailable', {
    'Retry-After': String(SHUTDOWN_RETRY_AFTER_SECONDS),
  });
}

/**
 * Answers every later upgrade on `server` with 503 in place of Nest's handler, which would hand it to
 * the closing ws server (or, once Nest has disposed of that, answer a bare 400).
 */
function refuseUpgrades(server: Server): void {
  server.removeAllListeners('upgrade');
  server.on('upgrade', (_request: IncomingMessage, socket: Duplex) => {
    // Destroyed once written: an HTTP server's sockets stay half-open, and open ones delay its close.
    socket.on('error', () => undefined);
    socket.end(SHUTTING_DOWN_RESPONSE, () => socket.destroy());
  });
}

type Refusal = Extract<HandshakeVerdict, { ok: false }>;

/**
 * Nest's `ws` adapter with Switchboard's wire rules: the handshake is authenticated before the
 * upgrade, and a refused one is upgraded only to be closed at once with 4401 or 4403 (no frame of it
 * is handled: it never reaches the gateway); frames over 64 KiB close the socket with 1009; every text frame is parsed by the protocol
 * (bad JSON becomes an `invalid_json` rejection instead of being dropped) and handed to the one
 * `ClientSocketHandler` (closes too); on shutdown, new upgrades are refused, clients get 1001 and a grace
 * period to close, and whatever is still open is then terminated.
 */
export class ChatWsAdapter extends WsAdapter {
  private shuttingDown = false;
  /** Upgrades completed only to tell the client why it is refused. */
  private readonly refusals = new WeakMap<IncomingMessage, Refusal>();
  /** Shared by every socket (ws calls them with the socket as `this`), not closures per connection. */
  private readonly onMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(
    app: INestApplicationContext,
    private readonly handshake: HandshakeAuthenticator,
    private readonly sessions: SessionRegistry,
    private readonly shutdownGraceMs: number,
    gateway: ClientSocketHandler,
  ) {
    super(app);
    this.onMessage = function onMessage(data, isBinary) {
      gateway.onFrame(this, isBinary ? BINARY_FRAME : parseClientFrame(toText(data)));
    };
    this.onClose = function onClose() {
      gateway.onClose(this);
    };
  }

  override create(
    port: number,
    options?: Record<string, unknown> & { path?: string },
  ): WebSocketServer {
    return super.create(port, {
      ...options,
      maxPayload: PROTOCOL_LIMITS.maxFrameBytes,
      // Broadcasts write pre-built frames beside ws's own sends (ClientSession.sendFrame): that needs
      // ws to write every frame at once, which compression would not (it queues while deflating).
      perMessageDeflate: false,
      verifyClient: (info: { req: IncomingMessage }, done: VerifyClientCallback) => {
        this.handshake.authenticate(info.req).then(
          (verdict) => {
            // Shutdown may have begun while the token was checked.
            if (this.shuttingDown) return refuseAsShuttingDown(done);
            // Browsers see no HTTP status of a failed upgrade, only the close code of an open socket.
            if (!verdict.ok) this.refusals.set(info.req, verdict);
            return done(true);
          },
          () => done(false, 500, 'Internal Server Error'),
        );
      },
    }) as WebSocketServer;
  }

  /** A refused handshake's socket is closed with its code and never handed to the gateway. */
  override bindClientConnect(
    server: WebSocketServer,
    callback: (client: WebSocket, request: IncomingMessage) => void,
  ): void {
    server.on('connection', (client: WebSocket, request: IncomingMessage) => {
      const refusal = this.refusals.get(request);
      if (!refusal) return callback(client, request);
      client.close(refusal.closeCode, refusal.reason);
    });
  }

  /**
   * A socket's `error` is the client breaking the WebSocket protocol (a frame over the limit, text that
   * is not UTF-8): ws has already closed it with the matching code (1009, 1007, 1002), so it is the
   * client's mistake and goes to debug, without a stack. Nest's adapter logged each at error level.
   */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    // One listener for every socket: a closure per connection would be kept for the connection's life.
    const onProtocolError = (error: Error & { code?: string }) =>
      this.logger.debug(
        `closed a connection that broke the WebSocket protocol: ${error.message} (${error.code ?? error.name})`,
      );
    server.on('connection', (socket: WebSocket) => socket.on('error', onProtocolError));
    server.on('error', (error: Error) => this.logger.error(error));
    return server;
  }

  /**
   * Frames go straight to the handler: Nest's message dispatch would wrap each one in its execution
   * context, several promises and an rxjs subscription, for guards, pipes and interceptors the
   * gateway has none of. Nest still calls handleConnection. Closes go to the handler too, through
   * one shared listener: Nest's disconnect hook is a closure per connection (~120 B held while open).
   */
  override bindMessageHandlers(client: WebSocket): void {
    client.on('message', this.onMessage);
    client.on('close', this.onClose);
  }

  override bindClientDisconnect(_client: WebSocket, _nestHook: () => void): void {
    // Not kept: `bindMessageHandlers` already hands the socket's close to the gateway.
  }

  /**
   * Shutdown: clients told 1001 reconnect within milliseconds, and one accepted now would keep the
   * process alive, so first every upgrade is refused (503 with Retry-After, those whose token is being
   * checked included) and the listener stops accepting.
   */
  override async close(server: WebSocketServer): Promise<void> {
    this.shuttingDown = true;
    refuseUpgrades(this.httpServer as Server);
    // ws calls back once its last client has closed (and every disconnect handler has run).
    const everyClientClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Nest closes the HTTP server after this resolves; closing it now sends reconnects elsewhere.
    (this.httpServer as Server).close();
    const closed = [...server.clients].map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.readyState === WebSocket.CLOSED) return resolve();
          client.once('close', () => resolve());
          client.close(CLOSE_GOING_AWAY, 'server shutting down');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.shutdownGraceMs);
    });
    await Promise.race([Promise.all(closed), grace]);
    clearTimeout(timer);
    for (const client of server.clients) client.terminate();
    await everyClientClosed;
    // Closed sessions leave their rooms (presence, user_left) before Redis and PostgreSQL go away.
    await this.sessions.drain();
  }
}
