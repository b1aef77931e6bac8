import { runMigrations } from '@switchboard/persistence';

/** Where a database URL points, without its user or password: `host:port`. */
function databaseAddress(databaseUrl: string): string {
  const { hostname, port } = new URL(databaseUrl);
  return hostname === '' ? 'its default host' : `${hostname}:${port || '5432'}`;
}

/**
 * Whether a failure happened while connecting (an unreachable host, a refused login, a missing
 * database) rather than while migrating: Node's network errors carry an `E…` code, PostgreSQL's
 * connection and authorization failures SQLSTATE classes 08 and 28, 3D000 and 57P03.
 */
function isConnectionFailure(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    return /^E[A-Z]+$/.test(code) || /^(08|28)/.test(code) || ['3D000', '57P03'].includes(code);
  }
  return typeof message === 'string' && /timeout|Connection terminated/i.test(message);
}

/** An error's own words: a failed connect to several addresses (localhost as ::1 and 127.0.0.1) has none. */
function reasonOf(error: unknown): string {
  const { message, code, errors } = error as {
    message?: unknown;
    code?: unknown;
    errors?: unknown;
  };
  if (typeof message === 'string' && message !== '') return message;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(reasonOf).join('; ');
  return typeof code === 'string' ? code : String(error);
}

/**
 * `npm run migrate` and `npm start`: applies pending migrations; returns the names of those applied.
 * A failure to connect names the setting the URL came from and where it points, never the password.
 */
export async function applyMigrations(
  databaseUrl: string,
  setting = 'DATABASE_URL',
): Promise<string[]> {
  try {
    return await runMigrations(databaseUrl);
  } catch (error) {
    const where = `${setting} (${databaseAddress(databaseUrl)})`;
    throw new Error(
      isConnectionFailure(error)
        ? `cannot reach PostgreSQL at ${where}: ${reasonOf(error)}`
        : `migrating the database at ${where} failed: ${reasonOf(error)}`,
      { cause: error },
    );
  }
}
