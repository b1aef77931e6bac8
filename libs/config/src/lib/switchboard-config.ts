import { z } from 'zod';

export type ServiceName = 'gateway' | 'notifications' | 'history' | 'standalone';

/** The validated configuration of one service. Injected as a class token; nothing else reads `process.env`. */
export class SwitchboardConfig {
  readonly service!: ServiceName;
  readonly port!: number;
  readonly databaseUrl!: string;
  /** `null` in single-process mode: the bus, presence and rate limits live in memory. */
  readonly redisUrl!: string | null;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share a Redis. */
  readonly redisKeyPrefix!: string;
  readonly jwtSecret!: string;
  /** The key for the server-to-server publish API; `null` where the service has no such API. */
  readonly serviceApiKey!: string | null;
  /** Allowed browser origins; `null` allows any. */
  readonly allowedOrigins!: readonly string[] | null;
  readonly rateLimit!: { readonly perSecond: number; readonly burst: number };
  readonly heartbeatIntervalMs!: number;
  /** How often a gateway marks itself alive for presence; silent for three intervals, its users are released. */
  readonly presenceHeartbeatMs!: number;
  readonly sse!: { readonly keepAliveMs: number; readonly retryMs: number };
  readonly shutdownGraceMs!: number;
  readonly logLevel!: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

  constructor(values: SwitchboardConfig) {
    Object.assign(this, values);
  }
}

/** Raised for a missing or invalid variable; its message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const positiveInt = (fallback: number) =>
  z.coerce.number().int('must be a whole number').positive('must be positive').default(fallback);

const url = (protocols: string[]) =>
  z
    .string()
    .url('must be a URL')
    .refine((value) => protocols.includes(new URL(value).protocol), {
      message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    });

const envSchema = z.object({
  PORT: z.coerce.number().int('must be a whole number').min(0).max(65535).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . : -')
    .default('sb:'),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters'),
  SERVICE_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  RATE_LIMIT_PER_SECOND: positiveInt(10),
  RATE_LIMIT_BURST: positiveInt(20),
  HEARTBEAT_INTERVAL_MS: positiveInt(30_000),
  PRESENCE_HEARTBEAT_MS: positiveInt(10_000),
  SSE_KEEPALIVE_MS: positiveInt(15_000),
  SSE_RETRY_MS: positiveInt(3_000),
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const DEFAULT_PORTS: Record<ServiceName, number> = {
  gateway: 3001,
  notifications: 3002,
  history: 3003,
  standalone: 3001,
};

function parseOrigins(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(
        `ALLOWED_ORIGINS: "${origin}" is not an origin like https://app.example.com`,
      );
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(
        `ALLOWED_ORIGINS: "${origin}" is not an origin (write it as ${parsed.origin})`,
      );
    }
  }
  return origins;
}

/**
 * Validates the environment of one service. Separately started services need Redis (they share
 * nothing in memory); `standalone` runs without it. Throws `ConfigError` naming the first bad variable.
 */
export function loadConfig(env: Env, service: ServiceName): SwitchboardConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    const reason =
      issue.code === 'invalid_type' && present[name] === undefined ? 'is required' : issue.message;
    throw new ConfigError(`${name} ${reason}`);
  }
  const values = result.data;
  if (service !== 'standalone' && values.REDIS_URL === undefined) {
    throw new ConfigError(
      'REDIS_URL is required when services run as separate processes (npm start runs without it)',
    );
  }
  if (service === 'notifications' && values.SERVICE_API_KEY === undefined) {
    throw new ConfigError('SERVICE_API_KEY is required');
  }
  return new SwitchboardConfig({
    service,
    port: values.PORT ?? DEFAULT_PORTS[service],
    databaseUrl: values.DATABASE_URL,
    redisUrl: values.REDIS_URL ?? null,
    redisKeyPrefix: values.REDIS_KEY_PREFIX,
    jwtSecret: values.JWT_SECRET,
    serviceApiKey: values.SERVICE_API_KEY ?? null,
    allowedOrigins: parseOrigins(values.ALLOWED_ORIGINS),
    rateLimit: { perSecond: values.RATE_LIMIT_PER_SECOND, burst: values.RATE_LIMIT_BURST },
    heartbeatIntervalMs: values.HEARTBEAT_INTERVAL_MS,
    presenceHeartbeatMs: values.PRESENCE_HEARTBEAT_MS,
    sse: { keepAliveMs: values.SSE_KEEPALIVE_MS, retryMs: values.SSE_RETRY_MS },
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS,
    logLevel: values.LOG_LEVEL,
  });
}

/** The same configuration for another service or port (single-process mode runs three services from one). */
export function deriveConfig(
  config: SwitchboardConfig,
  changes: Partial<SwitchboardConfig>,
): SwitchboardConfig {
  return new SwitchboardConfig({ ...config, ...changes });
}

/** `npm run migrate` needs only the database: DATABASE_URL, validated like every other variable. */
export function loadDatabaseUrl(env: Env): string {
  const result = envSchema.shape.DATABASE_URL.safeParse(env.DATABASE_URL || undefined);
  if (!result.success) {
    throw new ConfigError(
      env.DATABASE_URL
        ? `DATABASE_URL ${result.error.issues[0].message}`
        : 'DATABASE_URL is required',
    );
  }
  return result.data;
}
