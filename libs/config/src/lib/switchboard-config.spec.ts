import { ConfigError, loadConfig, loadDatabaseUrl } from './switchboard-config';

const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/switchboard',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'a-secret-of-sixteen+',
  SERVICE_API_KEY: 'a-service-key-of-16',
};

function errorOf(
  env: Record<string, string | undefined>,
  service: Parameters<typeof loadConfig>[1] = 'gateway',
) {
  try {
    loadConfig(env, service);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(valid, 'gateway');
    expect(config.port).toBe(3001);
    expect(config.rateLimit).toEqual({ perSecond: 10, burst: 20 });
    expect(config.heartbeatIntervalMs).toBe(30_000);
    expect(config.typingTimeoutMs).toBe(5_000);
    expect(config.roomPositionCheckMs).toBe(5_000);
    expect(config.longPollMaxWaiters).toBe(10_000);
    expect(config.allowedOrigins).toBeNull();
    expect(config.redisKeyPrefix).toBe('sb:');
  });

  it('names a missing variable in one line', () => {
    expect(errorOf({ ...valid, JWT_SECRET: undefined })).toBe('JWT_SECRET is required');
    expect(errorOf({ ...valid, DATABASE_URL: '' })).toBe('DATABASE_URL is required');
  });

  it('names an invalid variable and what it must be', () => {
    expect(errorOf({ ...valid, ALLOWED_ORIGINS: 'https://a.example/path' })).toMatch(
      /^ALLOWED_ORIGINS: /,
    );
  });

  const databaseUrlExpected = 'DATABASE_URL must be a URL like postgres://user:pass@host:5432/db';
  const redisUrlExpected = 'REDIS_URL must be a URL like redis://host:6379 (or rediss:// for TLS)';
  const port = 'must be a whole number from 0 to 65535';
  const milliseconds = 'must be a whole number of milliseconds from 1 to 2147483647';
  const wholeNumber = 'must be a whole number from 1 to 1000000';
  const secret = 'must be at least 16 characters';

  it.each([
    ['DATABASE_URL', 'foo', databaseUrlExpected],
    ['DATABASE_URL', 'mysql://root:hunter2@db/x', databaseUrlExpected],
    ['DATABASE_URL', 'postgres:db', databaseUrlExpected],
    ['DATABASE_URL', 'http://[', databaseUrlExpected],
    ['REDIS_URL', 'notaurl', redisUrlExpected],
    ['REDIS_URL', 'http://127.0.0.1:6379', redisUrlExpected],
    ['PORT', 'abc', `PORT ${port} (got "abc")`],
    ['PORT', '70000', `PORT ${port} (got "70000")`],
    ['PORT', '-1', `PORT ${port} (got "-1")`],
    ['PORT', '80.5', `PORT ${port} (got "80.5")`],
    ['METRICS_PORT', 'metrics', `METRICS_PORT ${port} (got "metrics")`],
    ['METRICS_PORT', '65536', `METRICS_PORT ${port} (got "65536")`],
    ['JWT_SECRET', 'short', `JWT_SECRET ${secret}`],
    ['SERVICE_API_KEY', 'short', `SERVICE_API_KEY ${secret}`],
    ['METRICS_TOKEN', 'short', `METRICS_TOKEN ${secret}`],
    [
      'REDIS_KEY_PREFIX',
      'has space',
      'REDIS_KEY_PREFIX must be 1-64 of A-Z a-z 0-9 _ . : - (got "has space")',
    ],
    ['RATE_LIMIT_PER_SECOND', '0', `RATE_LIMIT_PER_SECOND ${wholeNumber} (got "0")`],
    ['RATE_LIMIT_PER_SECOND', 'ten', `RATE_LIMIT_PER_SECOND ${wholeNumber} (got "ten")`],
    ['RATE_LIMIT_BURST', '-1', `RATE_LIMIT_BURST ${wholeNumber} (got "-1")`],
    ['RATE_LIMIT_BURST', '1.5', `RATE_LIMIT_BURST ${wholeNumber} (got "1.5")`],
    ['HEARTBEAT_INTERVAL_MS', '30s', `HEARTBEAT_INTERVAL_MS ${milliseconds} (got "30s")`],
    ['HEARTBEAT_INTERVAL_MS', '1e12', `HEARTBEAT_INTERVAL_MS ${milliseconds} (got "1e12")`],
    ['PRESENCE_HEARTBEAT_MS', '0', `PRESENCE_HEARTBEAT_MS ${milliseconds} (got "0")`],
    ['TYPING_TIMEOUT_MS', '0', `TYPING_TIMEOUT_MS ${milliseconds} (got "0")`],
    ['TYPING_TIMEOUT_MS', '5s', `TYPING_TIMEOUT_MS ${milliseconds} (got "5s")`],
    ['ROOM_POSITION_CHECK_MS', '0', `ROOM_POSITION_CHECK_MS ${milliseconds} (got "0")`],
    [
      'LONG_POLL_MAX_WAITERS',
      '0',
      'LONG_POLL_MAX_WAITERS must be a whole number from 1 to 1000000 (got "0")',
    ],
    ['SSE_KEEPALIVE_MS', 'never', `SSE_KEEPALIVE_MS ${milliseconds} (got "never")`],
    ['SSE_RETRY_MS', '-5', `SSE_RETRY_MS ${milliseconds} (got "-5")`],
    ['SHUTDOWN_GRACE_MS', '10 seconds', `SHUTDOWN_GRACE_MS ${milliseconds} (got "10 seconds")`],
    [
      'REQUEST_HEADERS_TIMEOUT_MS',
      '300001',
      'REQUEST_HEADERS_TIMEOUT_MS must be a whole number of milliseconds from 1 to 300000 (got "300001")',
    ],
    ['API_DOCS', 'yes', 'API_DOCS must be on or off (got "yes")'],
    ['ROOMS_OPEN_BY_DEFAULT', 'no', 'ROOMS_OPEN_BY_DEFAULT must be true or false (got "no")'],
    ['ROOMS_OPEN_BY_DEFAULT', '0', 'ROOMS_OPEN_BY_DEFAULT must be true or false (got "0")'],
    [
      'LOG_LEVEL',
      'loud',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
  ])('%s=%j stops the service with one line saying what it must be', (name, value, message) => {
    expect(errorOf({ ...valid, [name]: value })).toBe(message);
  });

  it('never repeats the value of a variable that may hold a credential', () => {
    expect(errorOf({ ...valid, DATABASE_URL: 'mysql://root:hunter2@db/x' })).not.toContain(
      'hunter2',
    );
    expect(errorOf({ ...valid, JWT_SECRET: 'hunter2' })).not.toContain('hunter2');
  });

  it('validates DATABASE_URL alone for migrations, with the same words', () => {
    expect(loadDatabaseUrl({ DATABASE_URL: valid.DATABASE_URL })).toBe(valid.DATABASE_URL);
    expect(() => loadDatabaseUrl({ DATABASE_URL: 'foo' })).toThrow(
      new ConfigError(databaseUrlExpected),
    );
    expect(() => loadDatabaseUrl({})).toThrow(new ConfigError('DATABASE_URL is required'));
  });

  it('reads the HTTP hardening settings', () => {
    const defaults = loadConfig(valid, 'history');
    expect(defaults.requestHeadersTimeoutMs).toBe(10_000);
    expect(defaults.metrics).toEqual({ token: null, port: null });
    expect(defaults.apiDocs).toBe(true);
    const set = loadConfig(
      {
        ...valid,
        REQUEST_HEADERS_TIMEOUT_MS: '2500',
        METRICS_TOKEN: 'a-metrics-token-16',
        METRICS_PORT: '9464',
        API_DOCS: 'off',
      },
      'history',
    );
    expect(set.requestHeadersTimeoutMs).toBe(2500);
    expect(set.metrics).toEqual({ token: 'a-metrics-token-16', port: 9464 });
    expect(set.apiDocs).toBe(false);
  });

  it('serves the API docs by default except under NODE_ENV=production, where API_DOCS=on opts in', () => {
    expect(loadConfig({ ...valid, NODE_ENV: 'production' }, 'history').apiDocs).toBe(false);
    expect(
      loadConfig({ ...valid, NODE_ENV: 'production', API_DOCS: 'on' }, 'history').apiDocs,
    ).toBe(true);
    expect(loadConfig({ ...valid, NODE_ENV: 'development' }, 'history').apiDocs).toBe(true);
  });

  it('requires Redis for separately started services but not for standalone', () => {
    expect(errorOf({ ...valid, REDIS_URL: undefined }, 'history')).toMatch(
      /^REDIS_URL is required/,
    );
    expect(loadConfig({ ...valid, REDIS_URL: undefined }, 'standalone').redisUrl).toBeNull();
  });

  it('requires the service API key only where the publish API lives', () => {
    expect(errorOf({ ...valid, SERVICE_API_KEY: undefined }, 'notifications')).toBe(
      'SERVICE_API_KEY is required',
    );
    expect(
      loadConfig({ ...valid, SERVICE_API_KEY: undefined }, 'gateway').serviceApiKey,
    ).toBeNull();
    // History's room management takes the key when it is set, and admins' tokens either way.
    expect(
      loadConfig({ ...valid, SERVICE_API_KEY: undefined }, 'history').serviceApiKey,
    ).toBeNull();
    expect(loadConfig(valid, 'history').serviceApiKey).toBe(valid.SERVICE_API_KEY);
  });

  it('opens rooms nobody created unless ROOMS_OPEN_BY_DEFAULT=false', () => {
    expect(loadConfig(valid, 'gateway').roomsOpenByDefault).toBe(true);
    expect(
      loadConfig({ ...valid, ROOMS_OPEN_BY_DEFAULT: 'true' }, 'history').roomsOpenByDefault,
    ).toBe(true);
    expect(
      loadConfig({ ...valid, ROOMS_OPEN_BY_DEFAULT: 'false' }, 'history').roomsOpenByDefault,
    ).toBe(false);
  });

  it('parses the allowed origins list', () => {
    expect(
      loadConfig(
        { ...valid, ALLOWED_ORIGINS: 'https://a.example, http://localhost:5173' },
        'gateway',
      ).allowedOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173']);
  });
});
