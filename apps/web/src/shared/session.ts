import type { AppConfig } from './config';

/** Who is using this tab: kept in sessionStorage, so a reload stays signed in and tabs may differ. */
export interface Identity {
  userId: string;
  name: string;
}

const IDENTITY_KEY = 'switchboard.identity';

export function storedIdentity(): Identity | null {
  const raw = sessionStorage.getItem(IDENTITY_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Identity;
  } catch {
    return null;
  }
}

export function storeIdentity(identity: Identity | null): void {
  if (identity) sessionStorage.setItem(IDENTITY_KEY, JSON.stringify(identity));
  else sessionStorage.removeItem(IDENTITY_KEY);
}

interface TokenRequest {
  userId: string;
  name?: string;
  admin?: boolean;
}

/** A token for `request`, asked again on every (re)connect so an expired one is never reused. */
export async function fetchToken(config: AppConfig, request: TokenRequest): Promise<string> {
  const url = config.devTokenUrl ?? config.tokenUrl;
  if (!url) throw new Error('config.json names no token endpoint (devTokenUrl or tokenUrl)');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(request),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!response.ok || !body.token)
    throw new Error(body.message ?? `token endpoint: HTTP ${response.status}`);
  return body.token;
}
