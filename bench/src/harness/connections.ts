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
 * Opens `count` things (connections, streams), at most OPEN_CONCURRENCY in flight, each from the next
 * source address. Any failure closes everything opened so far (`close`) and rejects.
 */
export async function openMany<T>(
  count: number,
  open: (index: number, localAddress: string) => Promise<T>,
  close: (opened: readonly (T | undefined)[]) => void,
  what: string,
  progress: Progress,
): Promise<T[]> {
  const items = new Array<T>(count);
  let next = 0;
  let opened = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      const index = next++;
      try {
        items[index] = await open(index, SOURCE_ADDRESSES[index % SOURCE_ADDRESSES.length]);
      } catch (error) {
        failed = true;
        throw error;
      }
      if (++opened % 100 === 0 || opened === count) progress.update(`${opened}/${count} ${what}`);
    }
  };
  // Settled, not raced: one still opening when another fails is closed too.
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker),
  );
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    close(items);
    throw failure.reason;
  }
  return items;
}

/** Opens `count` WebSocket connections, each set up (handshake, join) before it counts. */
export function openConnections(
  count: number,
  requestOf: (index: number) => OpenRequest,
  progress: Progress,
): Promise<RawWebSocket[]> {
  return openMany(
    count,
    async (index, localAddress) => {
      const { port, path, setup } = requestOf(index);
      const ws = await RawWebSocket.open({ host: '127.0.0.1', port, path, localAddress });
      try {
        await setup?.(ws);
      } catch (error) {
        ws.destroy();
        throw error;
      }
      return ws;
    },
    closeAll,
    'connections',
    progress,
  );
}

export function closeAll(sockets: readonly (RawWebSocket | undefined)[]): void {
  for (const ws of sockets) ws?.destroy();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
