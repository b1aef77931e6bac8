/**
 * How long a test client waits for a frame, an event or a condition before failing with what it saw:
 * long enough for a loaded CI machine, and well inside the root jest.config.js's testTimeout so the
 * failure names what was missing instead of Jest's bare timeout.
 */
export const WAIT_TIMEOUT_MS = 10_000;
