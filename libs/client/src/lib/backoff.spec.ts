import { DEFAULT_BACKOFF, reconnectDelay } from './backoff';

describe('reconnectDelay (full jitter)', () => {
  it('spreads retries up to a ceiling that doubles from 500 ms and stops at 20 s', () => {
    const ceilings = [0, 1, 2, 3, 5, 6, 10].map((attempt) =>
      reconnectDelay(attempt, DEFAULT_BACKOFF, () => 0.999999),
    );
    expect(ceilings).toEqual([499, 999, 1999, 3999, 15999, 19999, 19999]);
    expect(reconnectDelay(4, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(reconnectDelay(2, DEFAULT_BACKOFF, () => 0.5)).toBe(1000);
  });
});
