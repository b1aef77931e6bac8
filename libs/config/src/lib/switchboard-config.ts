import { z } from 'zod';

export type ServiceName = 'gateway' | 'notifications' | 'history' | 'standalone';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  /** How long a user stays typing after their last `typing` frame. */
  readonly typingTimeoutMs!: number;
  /** How often a gateway checks that it delivered every committed message of its rooms (`RoomPositionCheck`). */
  readonly roomPositionCheckMs!: number;
  /** How many long-poll requests one instance holds at once; beyond it, 503 with Retry-After. */
  readonly longPollMaxWaiters!: number;
  readonly sse!: { readonly keepAliveMs: number; readonly retryMs: number };
  readonly shutdownGraceMs!: number;
  /** How long a new connection (or a kept-alive one) has to send its request headers, a WebSocket upgrade included. */
  readonly requestHeadersTimeoutMs!: number;
  readonly metrics!: {
    /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
    readonly token: string | null;
    /** When set, `/metrics` is served on this port only, not on the service's own. */
    readonly port: number | null;
  };
  /** Whether `/docs` and `/docs-json` are served. */
  readonly apiDocs!: boolean;
  /** Whether a room nobody created is open to every user; when false a room must be created first. */
  readonly roomsOpenByDefault!: boolean;
  readonly logLevel!: LogLevel;

  constructor(values: SwitchboardConfig) {
    Object.assign(this, values);
  }
}

/** Raised for a missing or invalid variable; its message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The listen backlog every service's HTTP server asks for: connections the kernel completes while
 * the process is busy, before it accepts them. Node asks for 511; a restarted gateway's thousands of
 * reconnecting clients overflow that within one busy turn, and each dropped SYN is sent again only
 * after 1 s, 3 s, 7 s… The kernel caps it at `net.core.somaxconn` (4096 by default since Linux 5.4).
 */
export const LISTEN_BACKLOG = 65_535;

/** The longest delay `setTimeout` and `setInterval` honour; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
/** Node's limit for a whole request, which the headers limit may not exceed. */
const MAX_REQUEST_HEADERS_TIMEOUT_MS = 300_000;

const wholeNumber = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const withProtocol = (protocols: readonly string[]) =>
  z.string().refine((value) => {
    try {
      const { protocol } = new URL(value);
      return protocols.includes(protocol) && value.slice(protocol.length).startsWith('//');
    } catch {
      return false;
    }
  });

const secret = z.string().min(16);

const envSchema = z.object({
  PORT: wholeNumber(0, 65535).optional(),
  DATABASE_URL: withProtocol(['postgres:', 'postgresql:']),
  REDIS_URL: withProtocol(['redis:', 'rediss:']).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .default('sb:'),
  JWT_SECRET: secret,
  SERVICE_API_KEY: secret.optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  RATE_LIMIT_PER_SECOND: wholeNumber(1, 1_000_000).default(10),
  RATE_LIMIT_BURST: wholeNumber(1, 1_000_000).default(20),
  HEARTBEAT_INTERVAL_MS: wholeNumber(1, MAX_TIMER_MS).default(30_000),
  PRESENCE_HEARTBEAT_MS: wholeNumber(1, MAX_TIMER_MS).default(10_000),
  TYPING_TIMEOUT_MS: wholeNumber(1, MAX_TIMER_MS).default(5_000),
  ROOM_POSITION_CHECK_MS: wholeNumber(1, MAX_TIMER_MS).default(5_000),
  LONG_POLL_MAX_WAITERS: wholeNumber(1, 1_000_000).default(10_000),
  SSE_KEEPALIVE_MS: wholeNumber(1, MAX_TIMER_MS).default(15_000),
  SSE_RETRY_MS: wholeNumber(1, MAX_TIMER_MS).default(3_000),
  SHUTDOWN_GRACE_MS: wholeNumber(1, MAX_TIMER_MS).default(10_000),
  REQUEST_HEADERS_TIMEOUT_MS: wholeNumber(1, MAX_REQUEST_HEADERS_TIMEOUT_MS).default(10_000),
  METRICS_TOKEN: secret.optional(),
  METRICS_PORT: wholeNumber(0, 65535).optional(),
  API_DOCS: z.enum(['on', 'off']).optional(),
  ROOMS_OPEN_BY_DEFAULT: z.enum(['true', 'false']).default('true'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

type VariableName = keyof typeof envSchema.shape;

const MILLISECONDS = `must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`;

/** What each variable must be, in the words of the one-line error that stops a service. */
const EXPECTED: Record<VariableName, string> = {
  PORT: 'must be a whole number from 0 to 65535',
  DATABASE_URL: 'must be a URL like postgres://user:pass@host:5432/db',
  REDIS_URL: 'must be a URL like redis://host:6379 (or rediss:// for TLS)',
  REDIS_KEY_PREFIX: 'must be 1-64 of A-Z a-z 0-9 _ . : -',
  JWT_SECRET: 'must be at least 16 characters',
  SERVICE_API_KEY: 'must be at least 16 characters',
  ALLOWED_ORIGINS: 'must be a comma list of origins like https://app.example.com',
  RATE_LIMIT_PER_SECOND: 'must be a whole number from 1 to 1000000',
  RATE_LIMIT_BURST: 'must be a whole number from 1 to 1000000',
  HEARTBEAT_INTERVAL_MS: MILLISECONDS,
  PRESENCE_HEARTBEAT_MS: MILLISECONDS,
  TYPING_TIMEOUT_MS: MILLISECONDS,
  ROOM_POSITION_CHECK_MS: MILLISECONDS,
  LONG_POLL_MAX_WAITERS: 'must be a whole number from 1 to 1000000',
  SSE_KEEPALIVE_MS: MILLISECONDS,
  SSE_RETRY_MS: MILLISECONDS,
  SHUTDOWN_GRACE_MS: MILLISECONDS,
  REQUEST_HEADERS_TIMEOUT_MS: `must be a whole number of milliseconds from 1 to ${MAX_REQUEST_HEADERS_TIMEOUT_MS}`,
  METRICS_TOKEN: 'must be at least 16 characters',
  METRICS_PORT: 'must be a whole number from 0 to 65535',
  API_DOCS: 'must be on or off',
  ROOMS_OPEN_BY_DEFAULT: 'must be true or false',
  LOG_LEVEL: `must be one of ${LOG_LEVELS.join(', ')}`,
};

/** Variables whose value may hold a credential: an error about them never repeats the value. */
const SECRET_VARIABLES: ReadonlySet<VariableName> = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'SERVICE_API_KEY',
  'METRICS_TOKEN',
]);

function invalidVariable(name: VariableName, value: string): ConfigError {
  const shown = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(value.slice(0, 64))})`;
  return new ConfigError(`${name} ${EXPECTED[name]}${shown}`);
}

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
    const name = result.error.issues[0].path[0] as VariableName;
    const value = present[name];
    throw value === undefined
      ? new ConfigError(`${name} is required`)
      : invalidVariable(name, value);
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
    typingTimeoutMs: values.TYPING_TIMEOUT_MS,
    roomPositionCheckMs: values.ROOM_POSITION_CHECK_MS,
    longPollMaxWaiters: values.LONG_POLL_MAX_WAITERS,
    sse: { keepAliveMs: values.SSE_KEEPALIVE_MS, retryMs: values.SSE_RETRY_MS },
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS,
    requestHeadersTimeoutMs: values.REQUEST_HEADERS_TIMEOUT_MS,
    metrics: { token: values.METRICS_TOKEN ?? null, port: values.METRICS_PORT ?? null },
    // The interactive docs are for development; a production deployment opts in with API_DOCS=on.
    apiDocs: (values.API_DOCS ?? (env.NODE_ENV === 'production' ? 'off' : 'on')) === 'on',
    roomsOpenByDefault: values.ROOMS_OPEN_BY_DEFAULT === 'true',
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
  const value = env.DATABASE_URL || undefined;
  if (value === undefined) throw new ConfigError('DATABASE_URL is required');
  const result = envSchema.shape.DATABASE_URL.safeParse(value);
  if (!result.success) throw invalidVariable('DATABASE_URL', value);
  return result.data;
}
