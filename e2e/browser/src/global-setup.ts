import runGlobalSetup from '../../../tools/testing/global-setup';
import { STANDALONE_ENV, StandaloneProcess, startStandalone } from './standalone-process';

export const BROWSER_RUN = Symbol.for('switchboard.browserRun');

/** The run's test database (as every suite), then one standalone on it for every test file. */
export default async function globalSetup(): Promise<void> {
  await runGlobalSetup();
  const databaseUrl = process.env.SB_TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('the test run has no database');
  const standalone = await startStandalone(databaseUrl);
  (globalThis as { [BROWSER_RUN]?: StandaloneProcess })[BROWSER_RUN] = standalone;
  process.env[STANDALONE_ENV] = JSON.stringify(standalone.urls);
}
