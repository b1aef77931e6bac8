import type { AppConfig } from './config';
import { fetchToken } from './session';

/** Development tokens last a day; one is reused for an hour, then a fresh one is asked for. */
const REUSE_MS = 60 * 60 * 1000;

/** The token of one user for HTTP calls and (re)connections, asked for again once it has aged. */
export function tokenSource(
  config: AppConfig,
  request: { userId: string; name?: string; admin?: boolean },
): () => Promise<string> {
  let cached: { token: string; at: number } | null = null;
  return async () => {
    if (cached && Date.now() - cached.at < REUSE_MS) return cached.token;
    const token = await fetchToken(config, request);
    cached = { token, at: Date.now() };
    return token;
  };
}
