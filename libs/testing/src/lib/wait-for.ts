import { WAIT_TIMEOUT_MS } from './wait-timeout';

const POLL_INTERVAL_MS = 10;

/**
 * Resolves once `condition` holds, checked every few milliseconds; rejects at the deadline with
 * `what` (called then, so it can say what was seen instead). For state no event announces, such as
 * what a handler collected; a test client's own waits (`next`, `waitForEvents`) come first.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
