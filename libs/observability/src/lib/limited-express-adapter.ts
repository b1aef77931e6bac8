import { ExpressAdapter } from '@nestjs/platform-express';
import { LISTEN_BACKLOG } from '@switchboard/config';
import { createServer, Server, ServerOptions } from 'node:http';

/**
 * Nest's Express adapter on an HTTP server created with our limits: Nest itself creates a plain
 * `http.createServer()`, whose defaults hold a silent connection for up to 90 s, and listens with
 * Node's backlog of 511 (see LISTEN_BACKLOG). HTTPS and `forceCloseConnections`, which the replaced
 * method also handled, are not used by any service.
 */
export class LimitedExpressAdapter extends ExpressAdapter {
  constructor(private readonly serverOptions: ServerOptions) {
    super();
  }

  override initHttpServer(): void {
    this.setHttpServer(createServer(this.serverOptions, this.getInstance()));
  }

  /** As Nest's `listen(port, [hostname], [callback])`, with LISTEN_BACKLOG. */
  override listen(port: string | number, ...args: unknown[]): Server {
    const callback = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
    const [host] = args as [string | undefined];
    const server = this.getHttpServer() as Server;
    return server.listen({ port: Number(port), host, backlog: LISTEN_BACKLOG }, callback);
  }
}
