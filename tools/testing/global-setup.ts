import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '../../libs/persistence/src/lib/data-source';
import { startTestServices, TestServices, withDatabase } from './test-services';

/** What teardown needs; kept on globalThis because Jest runs setup and teardown in its main process. */
export interface TestRun {
  services: TestServices;
  adminDatabaseUrl: string;
  database: string;
  redisUrl: string;
  redisPrefix: string;
}

export const TEST_RUN = Symbol.for('switchboard.testRun');

/**
 * Once per `jest` run (every project's preset names this file; the first call does the work):
 * a fresh database with the migrations applied and a fresh Redis key prefix, handed to the test
 * workers through SB_TEST_* variables.
 */
export default async function globalSetup(): Promise<void> {
  const state = globalThis as { [TEST_RUN]?: TestRun };
  if (state[TEST_RUN]) return;
  const services = await startTestServices(process.env);
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const database = `switchboard_test_${id}`;
  const admin = new Client({ connectionString: services.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const databaseUrl = withDatabase(services.adminDatabaseUrl, database);
  await runMigrations(databaseUrl);
  const redisPrefix = `sbtest:${id}:`;
  state[TEST_RUN] = {
    services,
    adminDatabaseUrl: services.adminDatabaseUrl,
    database,
    redisUrl: services.redisUrl,
    redisPrefix,
  };
  process.env.SB_TEST_DATABASE_URL = databaseUrl;
  process.env.SB_TEST_REDIS_URL = services.redisUrl;
  process.env.SB_TEST_REDIS_PREFIX = redisPrefix;
}
