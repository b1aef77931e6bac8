import { runMigrations } from '@switchboard/persistence';
import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, RedisServer, startRedisServer } from '../../tools/testing/test-services';

/** A PostgreSQL or Redis private to one test, which it may take down and bring back on the same port. */
export interface KillableService {
  readonly url: string;
  /**
   * Takes it down: PostgreSQL shuts down at once (a fast shutdown: every connection is cut),
   * redis-server is killed with SIGKILL.
   */
  stop(): Promise<void>;
  /** Brings it back on the same port: PostgreSQL with its data, Redis empty (it keeps nothing on disk). */
  start(): Promise<void>;
  /** stop(), down for `downtimeMs`, then start(). */
  restart(downtimeMs: number): Promise<void>;
}

/** A migrated PostgreSQL (its `postgres` database) and a redis-server, on free 127.0.0.1 ports. */
export interface PrivateInfra {
  readonly postgres: KillableService;
  readonly redis: KillableService;
  /** Stops both and deletes PostgreSQL's data directory. */
  dispose(): Promise<void>;
}

const REPOSITORY_ROOT = resolve(__dirname, '../..');
const POSTGRES_PROCESS = join(__dirname, 'embedded-postgres-process.mjs');
const BUILT_TEST_SERVICES = join(REPOSITORY_ROOT, 'dist/tools/testing/test-services.js');

const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

abstract class Restartable implements KillableService {
  abstract readonly url: string;
  abstract stop(): Promise<void>;
  abstract start(): Promise<void>;

  async restart(downtimeMs: number): Promise<void> {
    await this.stop();
    await pause(downtimeMs);
    await this.start();
  }
}

type PostgresReport = { url: string } | { done: string } | { failed: string };

/** The embedded PostgreSQL, run by embedded-postgres-process.mjs and driven over IPC. */
class PrivatePostgres extends Restartable {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    super();
  }

  static async launch(): Promise<PrivatePostgres> {
    if (!existsSync(BUILT_TEST_SERVICES)) {
      throw new Error(`${BUILT_TEST_SERVICES} does not exist: run \`npm run build\` first`);
    }
    const child = fork(POSTGRES_PROCESS, [String(await freePort())], {
      cwd: REPOSITORY_ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const report = await PrivatePostgres.nextReport(child);
    if (!('url' in report)) {
      child.kill('SIGKILL');
      throw new Error('failed' in report ? report.failed : 'unexpected report');
    }
    return new PrivatePostgres(report.url, child);
  }

  private static nextReport(child: ChildProcess): Promise<PostgresReport> {
    return new Promise((resolveReport, reject) => {
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`the embedded PostgreSQL process exited (code ${code})`));
      };
      const onMessage = (report: unknown) => {
        child.off('exit', onExit);
        resolveReport(report as PostgresReport);
      };
      child.once('exit', onExit);
      child.once('message', onMessage);
    });
  }

  async stop(): Promise<void> {
    await this.command('stop');
  }

  async start(): Promise<void> {
    await this.command('start');
  }

  async remove(): Promise<void> {
    if (!this.child.connected) return;
    await this.command('remove');
    this.child.disconnect();
  }

  private async command(command: 'stop' | 'start' | 'remove'): Promise<void> {
    const report = PrivatePostgres.nextReport(this.child);
    this.child.send(command);
    const answer = await report;
    if ('failed' in answer) throw new Error(answer.failed);
  }
}

/** A redis-server that `stop` kills with SIGKILL and `start` spawns again on the same port. */
class PrivateRedis extends Restartable {
  readonly url: string;

  constructor(
    private readonly port: number,
    private server: RedisServer | null,
  ) {
    super();
    this.url = `redis://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await this.server?.stop('SIGKILL');
    this.server = null;
  }

  async start(): Promise<void> {
    this.server ??= await startRedisServer(this.port);
  }
}

export async function startPrivateInfra(): Promise<PrivateInfra> {
  const redisPort = await freePort();
  // Started together; when one fails the other is stopped before the error goes on, or its process
  // keeps Jest from exiting and the suite hangs until CI's timeout instead of failing.
  const [launched, started] = await Promise.allSettled([
    PrivatePostgres.launch(),
    startRedisServer(redisPort),
  ]);
  if (launched.status === 'rejected' || started.status === 'rejected') {
    await Promise.allSettled([
      launched.status === 'fulfilled' && launched.value.remove(),
      started.status === 'fulfilled' && started.value.stop('SIGKILL'),
    ]);
    throw launched.status === 'rejected'
      ? launched.reason
      : (started as PromiseRejectedResult).reason;
  }
  const postgres = launched.value;
  const redis = new PrivateRedis(redisPort, started.value);
  const dispose = async () => {
    await Promise.allSettled([postgres.remove(), redis.stop()]);
  };
  try {
    await runMigrations(postgres.url);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { postgres, redis, dispose };
}
