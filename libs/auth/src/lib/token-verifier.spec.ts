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

  const signed = (claims: Record<string, unknown>) => new JwtService({ secret }).sign(claims);

  // What a token names is stored with every message: PostgreSQL refuses NUL, turns a lone surrogate
  // into U+FFFD, and a name of megabytes would be copied into every row and frame.
  it.each([
    ['NUL in sub', { sub: 'a\u0000b' }],
    ['a control character in sub', { sub: 'a\nb' }],
    ['a lone surrogate in sub', { sub: 'a\ud800' }],
    ['a sub of 256 characters', { sub: 'u'.repeat(256) }],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 }],
    ['NUL in name', { sub: 'u1', name: 'A\u0000' }],
    ['DEL in name', { sub: 'u1', name: 'A\u007f' }],
    ['a lone surrogate in name', { sub: 'u1', name: '\udfffA' }],
    ['a name of 256 characters', { sub: 'u1', name: 'n'.repeat(256) }],
    ['an empty name', { sub: 'u1', name: '' }],
    ['a numeric name', { sub: 'u1', name: 7 }],
  ])('refuses a token with %s', async (_label, claims) => {
    await expect(verifier.verify(signed(claims))).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('accepts 255 characters of any valid Unicode, and takes the id as the name when none is given', async () => {
    const id = `${'u'.repeat(253)}👋`;
    await expect(verifier.verify(signed({ sub: id, name: 'Zoë 中文 😀' }))).resolves.toEqual({
      id,
      name: 'Zoë 中文 😀',
    });
    await expect(verifier.verify(signed({ sub: 'u1' }))).resolves.toEqual({ id: 'u1', name: 'u1' });
  });

  it('refuses a token without a sub', async () => {
    await expect(verifier.verify(new JwtService({ secret }).sign({ name: 'x' }))).rejects.toThrow(
      /sub/,
    );
  });
});

describe('TokenVerifier cache', () => {
  afterEach(() => jest.useRealTimers());

  it('verifies a token once and answers its repeats from the cache', async () => {
    const jwt = new JwtService({ secret });
    const cached = new TokenVerifier(jwt);
    const token = cached.sign('u2', 'Bo');
    const verifyAsync = jest.spyOn(jwt, 'verifyAsync');
    for (let n = 0; n < 3; n++) {
      await expect(cached.verify(token)).resolves.toEqual({ id: 'u2', name: 'Bo' });
    }
    expect(verifyAsync).toHaveBeenCalledTimes(1);
  });

  it('refuses a cached token once its exp has passed', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const jwt = new JwtService({ secret });
    const cached = new TokenVerifier(jwt);
    const token = jwt.sign({ sub: 'u3', exp: Math.floor(Date.now() / 1000) + 60 });
    await expect(cached.verify(token)).resolves.toEqual({ id: 'u3', name: 'u3' });
    jest.setSystemTime(Date.now() + 60_000);
    await expect(cached.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('verifies every token each time when it keeps none', async () => {
    const jwt = new JwtService({ secret });
    const uncached = new TokenVerifier(jwt, 0);
    const token = uncached.sign('u4', 'Cy');
    const verifyAsync = jest.spyOn(jwt, 'verifyAsync');
    await expect(uncached.verify(token)).resolves.toEqual({ id: 'u4', name: 'Cy' });
    await expect(uncached.verify(token)).resolves.toEqual({ id: 'u4', name: 'Cy' });
    expect(verifyAsync).toHaveBeenCalledTimes(2);
  });

  it('verifies a refused token again each time (a failure is not cached)', async () => {
    const jwt = new JwtService({ secret });
    const cached = new TokenVerifier(jwt);
    const verifyAsync = jest.spyOn(jwt, 'verifyAsync');
    const bad = new JwtService({ secret }).sign({ sub: '' });
    await expect(cached.verify(bad)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(cached.verify(bad)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(verifyAsync).toHaveBeenCalledTimes(2);
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
