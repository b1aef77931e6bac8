import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { loadConfig } from '@switchboard/config';
import type { IncomingMessage } from 'node:http';
import { ServiceApiKeyGuard } from './guards';

const serviceApiKey = 'the-service-key-0123456789';
const guard = new ServiceApiKeyGuard(
  loadConfig(
    {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/switchboard',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_SECRET: 'a-secret-of-sixteen+',
      SERVICE_API_KEY: serviceApiKey,
    },
    'notifications',
  ),
);

function contextOf(url: string, headers: IncomingMessage['headers'] = {}): ExecutionContext {
  const request = { url, headers } as IncomingMessage;
  return { switchToHttp: () => ({ getRequest: () => request }) } as ExecutionContext;
}

describe('ServiceApiKeyGuard', () => {
  it('accepts the key in the X-Api-Key header', () => {
    expect(guard.canActivate(contextOf('/notifications', { 'x-api-key': serviceApiKey }))).toBe(
      true,
    );
  });

  it('refuses a wrong or missing header', () => {
    for (const headers of [{ 'x-api-key': 'the-service-key-012345678X' }, {}]) {
      expect(() => guard.canActivate(contextOf('/notifications', headers))).toThrow(
        UnauthorizedException,
      );
    }
  });

  it.each(['api_key', 'apiKey', 'key', 'x-api-key', 'X-Api-Key', 'access_token'])(
    'refuses the key as the %s query parameter: query strings end up in logs and histories',
    (parameter) => {
      expect(() =>
        guard.canActivate(contextOf(`/notifications?${parameter}=${serviceApiKey}`)),
      ).toThrow(UnauthorizedException);
    },
  );
});
