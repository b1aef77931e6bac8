import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import type { ServiceName } from '@switchboard/config';
import { loadEmbeddedPostgres } from './embedded-postgres-loader';

/**
 * Finds the PostgreSQL and Redis the integration tests run against: DATABASE_URL / REDIS_URL when
 * set, else the local defaults when they answer, else an embedded PostgreSQL and a redis-server
 * from PATH. Whatever is started here is stopped by `stop()`.
 */
export interface TestServices {
  adminDatabaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/** A service deployed as a process of its own (not `npm start`'s all-in-one). */
export type DeployedService = Exclude<ServiceName, 'standalone'>;

/**
 * The node flags each service starts with, as its Dockerfile and `npm run start:<service>` start it,
 * so that tests and the benchmark run what is deployed. The services that hold connections run
 * without V8's memory reducer (README, Decisions).
 */
export const SERVICE_NODE_FLAGS: Record<DeployedService, readonly string[]> = {
  gateway: ['--no-memory-reducer'],
  notifications: ['--no-memory-reducer'],
  history: [],
};

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  // A refused probe is an answer, not an error to report.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * An embedded PostgreSQL in a fresh temporary directory, on `port` (else a free one). `stop` and
 * `start` keep its data (a restart on the same port); `remove` stops it and deletes the directory.
 */
export interface EmbeddedPostgresServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

export async function startEmbeddedPostgres(port?: number): Promise<EmbeddedPostgresServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-pg-'));
  const listenPort = port ?? (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: listenPort,
    user: 'postgres',
    password: 'postgres',
    // Persistent, so that stop() keeps the data for a restart; remove() deletes it.
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  });
  const remove = async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${listenPort}/postgres`,
    stop: () => pg.stop(),
    start: () => pg.start(),
    remove,
  };
}

/** A spawned redis-server; `stop` sends `signal` (default SIGTERM) and resolves once it exited. */
export interface RedisServer {
  url: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startRedisServer(port?: number): Promise<RedisServer> {
  const listenPort = port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(listenPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', () =>
      reject(
        new Error(
          'Integration tests need Redis: set REDIS_URL, run one on 127.0.0.1:6379, or put redis-server on PATH (apt-get install redis-server, brew install redis).',
        ),
      ),
    );
    child.once('spawn', () => resolve());
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${listenPort}`;
  for (let attempt = 0; attempt < 50 && !(await redisAnswers(url)); attempt++)
    await new Promise((r) => setTimeout(r, 100));
  return {
    url,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      await exited;
    },
  };
}

export async function startTestServices(env: NodeJS.ProcessEnv): Promise<TestServices> {
  const stops: (() => Promise<void>)[] = [];
  let adminDatabaseUrl: string;
  if (env.DATABASE_URL) adminDatabaseUrl = env.DATABASE_URL;
  else if (await postgresAnswers(LOCAL_POSTGRES)) adminDatabaseUrl = LOCAL_POSTGRES;
  else {
    const embedded = await startEmbeddedPostgres();
    stops.push(embedded.remove);
    adminDatabaseUrl = embedded.url;
  }
  const stop = async () => void (await Promise.allSettled(stops.map((stopOne) => stopOne())));
  let redisUrl: string;
  if (env.REDIS_URL) redisUrl = env.REDIS_URL;
  else if (await redisAnswers(LOCAL_REDIS)) redisUrl = LOCAL_REDIS;
  else {
    try {
      const spawned = await startRedisServer();
      stops.push(spawned.stop);
      redisUrl = spawned.url;
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { adminDatabaseUrl, redisUrl, stop };
}

export { withDatabase };
