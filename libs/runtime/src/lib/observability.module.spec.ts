import { redactUrl } from './observability.module';

describe('redactUrl', () => {
  it.each([
    ['/ws?access_token=eyJ.a.b', '/ws?access_token=[redacted]'],
    ['/notifications?api_key=k1&x=1', '/notifications?api_key=[redacted]&x=1'],
    ['/notifications?apiKey=k1', '/notifications?apiKey=[redacted]'],
    ['/notifications?key=k1', '/notifications?key=[redacted]'],
    ['/notifications?x-api-key=k1', '/notifications?x-api-key=[redacted]'],
    ['/notifications?X_API_KEY=k1', '/notifications?X_API_KEY=[redacted]'],
    ['/notifications?api%5Fkey=k1', '/notifications?api%5Fkey=[redacted]'],
    [
      '/x?token=t&client_secret=s&password=p',
      '/x?token=[redacted]&client_secret=[redacted]&password=[redacted]',
    ],
    ['/x?a=1&authorization=Bearer%20t&a=2', '/x?a=1&authorization=[redacted]&a=2'],
    ['/x?signature=s&sessionId=s', '/x?signature=[redacted]&sessionId=[redacted]'],
  ])('hides the credential in %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each([
    '/rooms/lobby/messages?before=10&limit=50',
    '/notifications/stream?lastEventId=42',
    '/notifications?%zz=1&limit',
    '/health/live',
  ])('leaves %s as it is', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('passes a missing URL through', () => {
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
