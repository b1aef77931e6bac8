import type { ClientBase, Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { ENTITIES } from './entities';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { RoomAccess1764300000000 } from './migrations/1764300000000-room-access';
import { ReadState1764400000000 } from './migrations/1764400000000-read-state';
import { MessageEdits1764500000000 } from './migrations/1764500000000-message-edits';
import { NotificationReadState1764600000000 } from './migrations/1764600000000-notification-read-state';
import { DirectPartnerIndex1764700000000 } from './migrations/1764700000000-direct-partner-index';
import { NotificationContentOnce1764810000000 } from './migrations/1764810000000-notification-content-once';
import { OwedNotificationAnnouncements1764900000000 } from './migrations/1764900000000-owed-notification-announcements';

export const MIGRATIONS = [
  InitialSchema1763800000000,
  RoomAccess1764300000000,
  ReadState1764400000000,
  MessageEdits1764500000000,
  NotificationReadState1764600000000,
  DirectPartnerIndex1764700000000,
  NotificationContentOnce1764810000000,
  OwedNotificationAnnouncements1764900000000,
];

/** A TypeORM data source for Switchboard's schema. Never `synchronize`: the schema comes from migrations. */
export function createDataSource(databaseUrl: string, poolSize = 20): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    // Failed queries reach their caller as errors, and unexpected ones are logged there, through pino;
    // TypeORM's own logger would print to the console, expected failures too (a repeated clientMsgId).
    logging: false,
    // `pipeline`: a checked-out client sends a query without waiting for the one before it to be
    // answered (`onPooledClient`); a client used one query at a time works as before. Idle
    // connections stay open (pg closes them after 10 s by default): one opened again on demand, a
    // backend forked, authenticated and its statements prepared again under load, was the chat
    // scenario's tail (README, Decisions).
    extra: { max: poolSize, pipeline: true, idleTimeoutMillis: 0 },
  });
}

/** pg's pool under an initialized data source, for the hot statements that skip TypeORM's query wrapper. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}

/**
 * Runs `work` on a client checked out of the pool, released after it. A checked-out client has no
 * listener of the pool's: its connection dying meanwhile is recorded (`fail`) instead of thrown
 * unhandled, and a client that failed anywhere is destroyed by the pool, not reused (a statement left
 * half way, a transaction left open, session locks).
 */
export async function onPooledClient<T>(
  dataSource: DataSource,
  work: (client: PoolClient, fail: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await poolOf(dataSource).connect();
  let broken: Error | undefined;
  const fail = (error: Error): void => void (broken ??= error);
  client.on('error', fail);
  try {
    return await work(client, fail);
  } catch (error) {
    fail(error as Error);
    throw error;
  } finally {
    client.off('error', fail);
    client.release(broken);
  }
}

/**
 * `client.query` through pg's callback API. Its promise API (what TypeORM's `DataSource.query` calls
 * too) made every young-generation GC of a process about six times as long in a probe, 8–10 ms instead
 * of 1.5, for the same reads; answered through a callback they are not (README, Decisions).
 */
export function clientRows<R extends QueryResultRow>(
  client: ClientBase | Pool,
  config: QueryConfig,
): Promise<R[]> {
  return new Promise((resolve, reject) =>
    client.query<R>(config, (error, result) => (error ? reject(error) : resolve(result.rows))),
  );
}

/**
 * A statement's rows on a pooled connection, with pg's own values and errors: what the stores run
 * where TypeORM's `DataSource.query` would (see `clientRows`).
 */
export function poolRows<R extends QueryResultRow = QueryResultRow>(
  dataSource: DataSource,
  text: string,
  values?: unknown[],
): Promise<R[]> {
  return clientRows<R>(poolOf(dataSource), { text, values });
}

/** Applies pending migrations; returns the names of those applied. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = await createDataSource(databaseUrl, 1).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

export class SchemaNotMigratedError extends Error {
  override readonly name = 'SchemaNotMigratedError';
  constructor() {
    super(
      'the database schema is not up to date: run `npm run migrate` with this DATABASE_URL first',
    );
  }
}
