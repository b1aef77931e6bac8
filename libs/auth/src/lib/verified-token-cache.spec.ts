import { VerifiedTokenCache } from './verified-token-cache';

const ada = { id: 'u1', name: 'Ada' };

describe('VerifiedTokenCache', () => {
  it('answers a token until its exp and forgets it from then on', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set('t', ada, 100);
    expect(cache.get('t', 99_999)).toEqual(ada);
    expect(cache.get('t', 100_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps a token without exp and knows nothing of other tokens', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set('t', ada, undefined);
    expect(cache.get('t', Number.MAX_SAFE_INTEGER)).toEqual(ada);
    expect(cache.get('other', 0)).toBeUndefined();
  });

  it('holds at most its capacity, dropping the oldest token first', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('a', ada, undefined);
    cache.set('b', ada, undefined);
    cache.set('c', ada, undefined);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('b', 0)).toEqual(ada);
    expect(cache.get('c', 0)).toEqual(ada);
  });

  it('hands out a user no caller can change', () => {
    const cache = new VerifiedTokenCache(1);
    cache.set('t', { ...ada }, undefined);
    expect(Object.isFrozen(cache.get('t', 0))).toBe(true);
  });
});
