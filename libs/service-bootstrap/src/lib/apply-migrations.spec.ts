import { testConfig } from '@switchboard/testing';
import { applyMigrations } from './apply-migrations';

describe('applyMigrations', () => {
  const databaseUrl = testConfig('history').databaseUrl;

  it('names the setting and the address of a database it cannot reach, never the password', async () => {
    const failure = applyMigrations('postgres://switchboard:hunter2@127.0.0.1:1/switchboard');
    await expect(failure).rejects.toThrow(
      /^cannot reach PostgreSQL at DATABASE_URL \(127\.0\.0\.1:1\): connect ECONNREFUSED 127\.0\.0\.1:1$/,
    );
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('counts a missing database as unreachable, under the name of the setting given', async () => {
    const url = new URL(databaseUrl);
    url.pathname = '/switchboard_no_such_database';
    await expect(applyMigrations(url.toString(), 'the embedded PostgreSQL')).rejects.toThrow(
      `cannot reach PostgreSQL at the embedded PostgreSQL (${url.hostname}:${url.port || '5432'}): database "switchboard_no_such_database" does not exist`,
    );
  });

  it('applies nothing to a database that is up to date', async () => {
    await expect(applyMigrations(databaseUrl)).resolves.toEqual([]);
  });
});
