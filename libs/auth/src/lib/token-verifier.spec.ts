import { JwtService } from '@nestjs/jwt';
import { extractToken, InvalidTokenError, isOriginAllowed, TokenVerifier } from './token-verifier';

const secret = 'unit-test-secret-0123456789';
const verifier = new TokenVerifier(new JwtService({ secret }));

describe('TokenVerifier', () => {
  it('accepts its own tokens and reads sub and name', async () => {
    await expect(verifier.verify(verifier.sign('u1', 'Ada'))).resolves.toEqual({
      id: 'u1',
      name: 'Ada',
    });
  });

  it('refuses a token signed with another secret, an expired one and garbage', async () => {
    const other = new JwtService({ secret: 'another-secret-0123456789' }).sign({ sub: 'u1' });
    const expired = new JwtService({ secret }).sign({
      sub: 'u1',
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    for (const token of [other, expired, 'not-a-jwt']) {
      await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });

  it('refuses a token without a sub', async () => {
    await expect(verifier.verify(new JwtService({ secret }).sign({ name: 'x' }))).rejects.toThrow(
      /sub/,
    );
  });
});

describe('extractToken', () => {
  it('prefers the Authorization header and falls back to access_token', () => {
    expect(extractToken('Bearer abc', '/ws?access_token=def')).toBe('abc');
    expect(extractToken(undefined, '/ws?access_token=def')).toBe('def');
    expect(extractToken('Basic abc', '/ws')).toBeNull();
    expect(extractToken(undefined, '/ws')).toBeNull();
  });
});

describe('isOriginAllowed', () => {
  it('allows any origin when unset, else only the listed ones and non-browser clients', () => {
    expect(isOriginAllowed('https://evil.example', null)).toBe(true);
    expect(isOriginAllowed('https://app.example', ['https://app.example'])).toBe(true);
    expect(isOriginAllowed('https://evil.example', ['https://app.example'])).toBe(false);
    expect(isOriginAllowed(undefined, ['https://app.example'])).toBe(true);
  });
});
