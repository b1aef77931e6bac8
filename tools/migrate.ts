import 'reflect-metadata';
import { loadDatabaseUrl } from '@switchboard/config';
import { applyMigrations } from '@switchboard/service-bootstrap';

/** `npm run migrate`: applies pending TypeORM migrations to DATABASE_URL. */
async function main(): Promise<void> {
  const applied = await applyMigrations(loadDatabaseUrl(process.env));
  process.stdout.write(
    applied.length ? `applied: ${applied.join(', ')}\n` : 'the schema is up to date\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
