import { parseArgs } from 'node:util';

/** The command line every peer server takes: its port, and Redis when it runs as one of several. */
export function peerOptions(): { port: number; redisUrl: string | null; channelPrefix: string } {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      redis: { type: 'string' },
      prefix: { type: 'string', default: 'bench:' },
    },
  });
  if (!values.port) throw new Error('--port is required');
  return {
    port: Number(values.port),
    redisUrl: values.redis ?? null,
    channelPrefix: values.prefix,
  };
}

/** The line a peer prints once it accepts connections; the harness waits for it. */
export const READY_LINE = 'READY';
