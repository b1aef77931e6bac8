import { RawWebSocket } from './raw-websocket';
import { Progress } from './progress';

/** Loopback source addresses, so tens of thousands of connections never run out of ports. */
const SOURCE_ADDRESSES = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
const OPEN_CONCURRENCY = 200;

export interface OpenRequest {
  port: number;
  path: string;
  /** Runs on the open socket (a protocol handshake, a join); the connection counts once it resolves. */
  setup?: (ws: RawWebSocket) => Promise<void>;
}

/**
 * Opens `count` connections, at most OPEN_CONCURRENCY in flight, each from the next source address.
 * Any failure closes every connection opened so far and rejects.
 */
export async function openConnections(
  count: number,
  requestOf: (index: number) => OpenRequest,
  progress: Progress,
): Promise<RawWebSocket[]> {
  const sockets: RawWebSocket[] = new Array<RawWebSocket>(count);
  let next = 0;
  let opened = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const { port, path, setup } = requestOf(index);
      const ws = await RawWebSocket.open({
        host: '127.0.0.1',
        port,
        path,
        localAddress: SOURCE_ADDRESSES[index % SOURCE_ADDRESSES.length],
      });
      sockets[index] = ws;
      if (setup) await setup(ws);
      if (++opened % 100 === 0 || opened === count)
        progress.update(`${opened}/${count} connections`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  } catch (error) {
    closeAll(sockets);
    throw error;
  }
  return sockets;
}

export function closeAll(sockets: readonly (RawWebSocket | undefined)[]): void {
  for (const ws of sockets) ws?.destroy();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
