import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LISTEN_BACKLOG } from '@switchboard/config';
import { httpServerLimits } from './http-server-limits';
import { LimitedExpressAdapter } from './limited-express-adapter';

describe('LimitedExpressAdapter.listen', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** An adapter's server, listening as Nest asks it to (`listen(port, ...args, callback)`). */
  async function listening(
    ...hostname: string[]
  ): Promise<{ server: Server; listen: jest.SpyInstance }> {
    const adapter = new LimitedExpressAdapter(httpServerLimits(1000));
    adapter.initHttpServer();
    server = adapter.getHttpServer();
    const listen = jest.spyOn(server, 'listen');
    await new Promise<void>((resolve) => adapter.listen(0, ...hostname, resolve));
    return { server, listen };
  }

  it('asks the kernel for a larger accept queue than Node’s 511', async () => {
    const { server, listen } = await listening();
    expect(listen).toHaveBeenCalledWith(
      expect.objectContaining({ backlog: LISTEN_BACKLOG }),
      expect.any(Function),
    );
    expect(LISTEN_BACKLOG).toBeGreaterThan(511);
    expect((server.address() as AddressInfo).port).toBeGreaterThan(0);
  });

  it('listens on the hostname given', async () => {
    const { server } = await listening('127.0.0.1');
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
  });
});
