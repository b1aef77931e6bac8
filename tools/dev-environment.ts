import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where single-process mode keeps its state: the embedded database and the development secrets. */
export const DATA_DIR = join(process.cwd(), '.data');
const SECRETS_FILE = join(DATA_DIR, 'dev-secrets.json');

export interface DevSecrets {
  jwtSecret: string;
  serviceApiKey: string;
}

/** Random secrets made on the first `npm start` and kept in .data/, so tokens survive restarts. */
export function loadOrCreateDevSecrets(): DevSecrets {
  if (existsSync(SECRETS_FILE)) return JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as DevSecrets;
  mkdirSync(DATA_DIR, { recursive: true });
  const secrets: DevSecrets = {
    jwtSecret: randomBytes(32).toString('base64url'),
    serviceApiKey: randomBytes(24).toString('base64url'),
  };
  writeFileSync(SECRETS_FILE, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}

export function readDevSecrets(): DevSecrets | null {
  return existsSync(SECRETS_FILE)
    ? (JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as DevSecrets)
    : null;
}
