import { WebSocket } from 'ws';

/** `--inspect` for a process whose heap a HeapProbe on `port` will read. */
export function inspectOption(port: number): string {
  return `--inspect=127.0.0.1:${port}`;
}

/**
 * Reads a Node process's live heap through its inspector (Chrome DevTools Protocol): a full garbage
 * collection first, so that what is left is what the process still holds, not what it has not yet
 * collected. RSS alone cannot tell a leak from a heap that has not been compacted.
 */
export async function heapUsedAfterGc(inspectorPort: number): Promise<number> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (data: Buffer) => {
        const reply = JSON.parse(data.toString('utf8')) as {
          id?: number;
          result?: unknown;
          error?: { message: string };
        };
        if (reply.id !== id) return;
        socket.off('message', onMessage);
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    // Twice: the first collection can leave objects whose finalizers only ran during it.
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const result = (await call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true,
    })) as { result: { value: number } };
    return result.result.value;
  } finally {
    socket.close();
  }
}
