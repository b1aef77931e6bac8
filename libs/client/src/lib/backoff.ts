export interface BackoffPolicy {
  /** The first retry waits up to this long (default 500 ms). */
  initialDelayMs: number;
  /** No retry waits longer (default 20 s). */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 20_000 };

/**
 * "Full jitter" exponential backoff: a random delay up to min(max, initial × 2^attempt), so that
 * clients dropped together (a deploy, a network blip) do not all come back at the same instant.
 */
export function reconnectDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
