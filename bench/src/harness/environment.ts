import { JwtService } from '@nestjs/jwt';
import { runMigrations } from '@switchboard/persistence';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  startTestServices,
  TestServices,
  withDatabase,
} from '../../../tools/testing/test-services';

/**
 * The PostgreSQL and Redis one scenario uses: its own database (migrated) and its own Redis key
 * prefix, both removed at its end. The services are found like the tests find theirs (DATABASE_URL /
 * REDIS_URL, the local defaults, or an embedded PostgreSQL and a spawned redis-server: `startServices`),
 * once per run.
 */
export class BenchEnvironment {
  readonly jwtSecret = randomBytes(24).toString('hex');
  readonly serviceApiKey = randomBytes(24).toString('hex');
  private readonly jwt = new JwtService({ secret: this.jwtSecret });
  private readonly tokens = new Map<string, string>();

  private constructor(
    private readonly services: TestServices,
    readonly database: string,
    readonly databaseUrl: string,
    readonly redisUrl: string,
    readonly redisPrefix: string,
  ) {}

  static startServices(): Promise<TestServices> {
    return startTestServices(process.env);
  }

  /**
   * A scenario of its own on `services`: a fresh database for each, so what one scenario wrote (and
   * the autovacuum it brings) is not in the next one's measured runs; in one database shared by a
   * whole `all` run, a scenario's first target ran beside the vacuum of the one before.
   */
  static async create(services: TestServices): Promise<BenchEnvironment> {
    const id = `${process.pid}_${randomBytes(3).toString('hex')}`;
    const database = `switchboard_bench_${id}`;
    await BenchEnvironment.admin(services.adminDatabaseUrl, `CREATE DATABASE ${database}`);
    const databaseUrl = withDatabase(services.adminDatabaseUrl, database);
    await runMigrations(databaseUrl);
    return new BenchEnvironment(
      services,
      database,
      databaseUrl,
      services.redisUrl,
      `sbbench:${id}:`,
    );
  }

  private static async admin(url: string, sql: string): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** A gateway token for `user` (its display name is the id), signed once and cached. */
  tokenOf(user: string): string {
    let token = this.tokens.get(user);
    if (!token) {
      token = this.jwt.sign({ sub: user, name: user }, { algorithm: 'HS256', expiresIn: '1h' });
      this.tokens.set(user, token);
    }
    return token;
  }

  /** Runs `work` with a client on the run's database. */
  async withDatabase<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** Drops the database and every key under the prefix. */
  async dispose(): Promise<void> {
    const redis = new Redis(this.redisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          `${this.redisPrefix}*`,
          'COUNT',
          1000,
        );
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    await BenchEnvironment.admin(
      this.services.adminDatabaseUrl,
      `DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`,
    );
  }
}
