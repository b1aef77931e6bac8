/** Where the services are, from the `config.json` served beside the app. */
export interface AppConfig {
  /** The gateway's WebSocket URL (`ws://…/ws`). */
  gatewayUrl: string;
  /** The history service's HTTP base. */
  historyUrl: string;
  /** The notification service's HTTP base. */
  notificationsUrl: string;
  /**
   * Where to get a token for a name typed in: only `npm start` serves one. A deployment leaves it out
   * and serves a `config.json` whose `tokenUrl` is its own backend's (sent the session's cookies).
   */
  devTokenUrl?: string;
  tokenUrl?: string;
}

export async function loadAppConfig(): Promise<AppConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as AppConfig;
}
