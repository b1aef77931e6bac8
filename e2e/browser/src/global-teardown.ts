import runGlobalTeardown from '../../../tools/testing/global-teardown';
import type { StandaloneProcess } from './standalone-process';
import { BROWSER_RUN } from './global-setup';

/** Stops the standalone (SIGTERM: it must close cleanly), then drops the run's database. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { [BROWSER_RUN]?: StandaloneProcess };
  const standalone = state[BROWSER_RUN];
  delete state[BROWSER_RUN];
  try {
    await standalone?.stop();
  } finally {
    await runGlobalTeardown();
  }
}
