import type { Pool } from 'pg';
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
    extra: { max: poolSize },
  });
}

/** pg's pool under an initialized data source, for the hot statements that skip TypeORM's query wrapper. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
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
