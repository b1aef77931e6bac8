import { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** The base URLs of an application listening on an ephemeral port of 127.0.0.1. */
export async function listen(app: INestApplication): Promise<{ http: string; ws: string }> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  return { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws` };
}
