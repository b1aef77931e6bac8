import { parseArgs } from 'node:util';

/**
 * The command line every peer server takes: its port, Redis when it runs as one of several, and
 * PostgreSQL for the peers that read the run's database.
 */
export function peerOptions(): {
  port: number;
  redisUrl: string | null;
  channelPrefix: string;
  databaseUrl: string | null;
  perSocketFraming: boolean;
} {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      redis: { type: 'string' },
      prefix: { type: 'string', default: 'bench:' },
      database: { type: 'string' },
      'per-socket-framing': { type: 'boolean', default: false },
    },
  });
  if (!values.port) throw new Error('--port is required');
  return {
    port: Number(values.port),
    redisUrl: values.redis ?? null,
    channelPrefix: values.prefix,
    databaseUrl: values.database ?? null,
    perSocketFraming: values['per-socket-framing'],
  };
}

/** The line a peer prints once it accepts connections; the harness waits for it. */
export const READY_LINE = 'READY';
