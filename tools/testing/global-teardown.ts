import Redis from 'ioredis';
import { Client } from 'pg';
import { TEST_RUN, TestRun } from './global-setup';

/** Removes the run's database and Redis keys, and stops what setup started. Runs once. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { [TEST_RUN]?: TestRun };
  const run = state[TEST_RUN];
  if (!run) return;
  delete state[TEST_RUN];
  const admin = new Client({ connectionString: run.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${run.database} WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(run.redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${run.redisPrefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
  await run.services.stop();
}
