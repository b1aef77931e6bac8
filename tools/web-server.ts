import { JwtService } from '@nestjs/jwt';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { z } from 'zod';

/**
 * What the demo app (apps/web) needs from `npm start`: its built files, `/config.json` (where the
 * services are) and `POST /dev/token`, which mints a development JWT for any user. The token
 * endpoint lives only here, in the single-process launcher, never in a service or in the app's build:
 * a deployment serves its own `config.json` and gets tokens from its own backend.
 */
export interface WebServerOptions {
  /** The folder `vite build` wrote (index.html and assets/). */
  appDir: string;
  /** The services' ports; their URLs use the host name the browser used to reach this server. */
  ports: { gateway: number; notifications: number; history: number };
  jwtSecret: string;
}

/** How long a development token is valid, as `npm run token` makes them. */
const DEV_TOKEN_LIFETIME = '1d';
/** A token request is a few small fields; anything larger is refused before it is parsed. */
const MAX_TOKEN_BODY_BYTES = 4_096;

// The gateway accepts any id without control characters; the demo keeps ids easy to type and to
// put in a direct-message box.
const tokenRequestSchema = z
  .object({
    userId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'userId must be 1-64 letters, digits, ".", "_" or "-"'),
    name: z
      .string()
      .trim()
      .min(1)
      .max(255)
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f]*$/, 'name must not contain control characters')
      .optional(),
    /** A token for the live dashboard: `/admin/stats/stream` accepts a token with `admin: true`. */
    admin: z.boolean().optional(),
  })
  .strict();

export type DevTokenRequest = z.infer<typeof tokenRequestSchema>;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
  });
  response.end(payload);
}

function sendError(response: ServerResponse, error: RequestError): void {
  sendJson(response, error.status, {
    statusCode: error.status,
    code: error.code,
    message: error.message,
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_TOKEN_BODY_BYTES)
    throw new RequestError(413, 'too_large', `body over ${MAX_TOKEN_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_TOKEN_BODY_BYTES)
      throw new RequestError(413, 'too_large', `body over ${MAX_TOKEN_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseTokenRequest(raw: string): DevTokenRequest {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new RequestError(400, 'invalid_json', 'the body is not JSON');
  }
  const parsed = tokenRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new RequestError(
      400,
      'invalid_body',
      field ? `${field}: ${issue.message}` : issue.message,
    );
  }
  return parsed.data;
}

/** The host name the browser used (no port), so service URLs work from `localhost` and `127.0.0.1` alike. */
function hostNameOf(request: IncomingMessage): string {
  try {
    return new URL(`http://${request.headers.host ?? 'localhost'}`).hostname;
  } catch {
    return 'localhost';
  }
}

export interface AppConfig {
  gatewayUrl: string;
  historyUrl: string;
  notificationsUrl: string;
  /** Where the app gets a token for a user it names: only `npm start` has one. */
  devTokenUrl: string;
}

export class WebServer {
  private readonly jwt: JwtService;
  private readonly server: Server;

  constructor(private readonly options: WebServerOptions) {
    this.jwt = new JwtService({ secret: options.jwtSecret });
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (error instanceof RequestError) return sendError(response, error);
        if (!response.headersSent)
          sendError(response, new RequestError(500, 'internal_error', 'the web server failed'));
        else response.destroy();
      });
    });
  }

  /** Listens on `host:port` (port 0 picks one); resolves with the port. */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  configFor(request: IncomingMessage): AppConfig {
    const host = hostNameOf(request);
    const { gateway, notifications, history } = this.options.ports;
    return {
      gatewayUrl: `ws://${host}:${gateway}/ws`,
      historyUrl: `http://${host}:${history}`,
      notificationsUrl: `http://${host}:${notifications}`,
      devTokenUrl: '/dev/token',
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/dev/token') return this.mintToken(request, response);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      throw new RequestError(405, 'method_not_allowed', `${request.method} is not allowed here`);
    }
    if (path === '/config.json') return sendJson(response, 200, this.configFor(request));
    return this.serveFile(path, request, response);
  }

  private async mintToken(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      throw new RequestError(405, 'method_not_allowed', 'POST a {"userId","name"} body');
    }
    const contentType = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType))
      throw new RequestError(415, 'unsupported_media_type', 'send Content-Type: application/json');
    const { userId, name, admin } = parseTokenRequest(await readBody(request));
    const token = this.jwt.sign(
      { sub: userId, name: name ?? userId, ...(admin ? { admin: true } : {}) },
      { algorithm: 'HS256', expiresIn: DEV_TOKEN_LIFETIME },
    );
    sendJson(response, 200, { token });
  }

  private async serveFile(
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const root = this.options.appDir;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      throw new RequestError(404, 'not_found', 'no such file');
    }
    const file = normalize(join(root, decoded));
    if (file !== root && !file.startsWith(root + sep))
      throw new RequestError(404, 'not_found', 'no such file');
    const found = await stat(file).catch(() => null);
    if (found?.isFile()) return this.stream(file, request, response);
    // Client-side routes (`/dashboard`) are the app; a missing asset is a 404, not the page.
    if (extname(path) !== '') throw new RequestError(404, 'not_found', 'no such file');
    const index = join(root, 'index.html');
    if (!(await stat(index).catch(() => null)))
      throw new RequestError(503, 'not_built', 'the web app is not built: run `npm run build`');
    return this.stream(index, request, response);
  }

  private stream(file: string, request: IncomingMessage, response: ServerResponse): void {
    const isIndex = file.endsWith('index.html');
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      // Vite names assets by content hash; the page itself must always be fresh.
      'Cache-Control': isIndex ? 'no-cache' : 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      ...(isIndex ? { 'Content-Security-Policy': this.contentSecurityPolicy(request) } : {}),
    });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(file).pipe(response);
  }

  /** Scripts and styles from this origin only, so even injected markup could not run a script. */
  private contentSecurityPolicy(request: IncomingMessage): string {
    const { gatewayUrl, historyUrl, notificationsUrl } = this.configFor(request);
    return [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      `connect-src 'self' ${gatewayUrl} ${historyUrl} ${notificationsUrl}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  }
}
