import { ConfigError, loadConfig } from './switchboard-config';

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
    expect(config.allowedOrigins).toBeNull();
    expect(config.redisKeyPrefix).toBe('sb:');
  });

  it('names a missing variable in one line', () => {
    expect(errorOf({ ...valid, JWT_SECRET: undefined })).toBe('JWT_SECRET is required');
    expect(errorOf({ ...valid, DATABASE_URL: '' })).toBe('DATABASE_URL is required');
  });

  it('names an invalid variable with the reason', () => {
    expect(errorOf({ ...valid, PORT: 'eighty' })).toMatch(/^PORT /);
    expect(errorOf({ ...valid, DATABASE_URL: 'mysql://x/y' })).toMatch(
      /^DATABASE_URL must start with postgres/,
    );
    expect(errorOf({ ...valid, RATE_LIMIT_BURST: '-1' })).toMatch(/^RATE_LIMIT_BURST /);
    expect(errorOf({ ...valid, ALLOWED_ORIGINS: 'https://a.example/path' })).toMatch(
      /^ALLOWED_ORIGINS: /,
    );
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
