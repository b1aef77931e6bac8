import { JwtService } from '@nestjs/jwt';
import { loadConfig, ServiceName, SwitchboardConfig } from '@switchboard/config';
import { randomBytes } from 'node:crypto';

export const TEST_JWT_SECRET = 'switchboard-test-secret-0123456789';
export const TEST_SERVICE_API_KEY = 'switchboard-test-service-key-0123';

/**
 * A service config on this test run's database and Redis prefix (made by the global setup).
 * Tests are the one place besides `main.ts` that read the environment.
 */
export function testConfig(
  service: ServiceName,
  overrides: Record<string, string> = {},
): SwitchboardConfig {
  const { SB_TEST_DATABASE_URL, SB_TEST_REDIS_URL, SB_TEST_REDIS_PREFIX } = process.env;
  if (!SB_TEST_DATABASE_URL || !SB_TEST_REDIS_URL || !SB_TEST_REDIS_PREFIX) {
    throw new Error(
      'run integration tests through jest (npm test): the global setup provides the database and Redis',
    );
  }
  return loadConfig(
    {
      PORT: '0',
      DATABASE_URL: SB_TEST_DATABASE_URL,
      REDIS_URL: SB_TEST_REDIS_URL,
      REDIS_KEY_PREFIX: SB_TEST_REDIS_PREFIX,
      JWT_SECRET: TEST_JWT_SECRET,
      SERVICE_API_KEY: TEST_SERVICE_API_KEY,
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_MS: '2000',
      ...overrides,
    },
    service,
  );
}

const jwt = new JwtService({ secret: TEST_JWT_SECRET });

export function signTestToken(
  userId: string,
  name = userId,
  options: { expiresIn?: number; secret?: string } = {},
): string {
  return jwt.sign(
    { sub: userId, name },
    { expiresIn: options.expiresIn ?? 3600, ...(options.secret ? { secret: options.secret } : {}) },
  );
}

/** A room id no other test uses. */
export function uniqueRoom(label = 'room'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}
