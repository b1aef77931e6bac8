// Jest takes testTimeout only from the root configuration (jestjs/jest#9696): one set in a project or
// its preset is accepted without a word and every test and hook silently keeps the 5 s default.
const JEST_DEFAULT_TIMEOUT_MS = 5_000;

/** The timeout jest-circus gives a test or hook that names none: its run state's `testTimeout`. */
function effectiveTestTimeout(): number {
  const stateKey = Object.getOwnPropertySymbols(globalThis).find(
    (symbol) => symbol.description === 'JEST_STATE_SYMBOL',
  );
  const state = stateKey
    ? (globalThis as unknown as Record<symbol, { testTimeout?: unknown } | undefined>)[stateKey]
    : undefined;
  if (typeof state?.testTimeout !== 'number')
    throw new Error('jest-circus state not found: this check needs updating for this Jest version');
  return state.testTimeout;
}

describe('the test timeout', () => {
  it('is the root configuration’s for every test and hook, not Jest’s 5 s default', () => {
    const { testTimeout } = jest.requireActual<{ testTimeout?: number }>(
      '../../../../jest.config.js',
    );
    expect(effectiveTestTimeout()).toBe(testTimeout);
    expect(testTimeout).toBeGreaterThan(JEST_DEFAULT_TIMEOUT_MS);
  });
});
