import { Logger } from '@nestjs/common';

/**
 * Runs a service's `main`: on success logs where it listens; on failure prints one line naming the
 * problem (a bad variable, an unmigrated schema, a port in use) and exits with status 1.
 */
export function runService(name: string, main: () => Promise<{ url: string }>): void {
  main().then(
    ({ url }) => new Logger(name).log(`${name} listening on ${url}`),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${name}: ${message}\n`);
      process.exit(1);
    },
  );
}
