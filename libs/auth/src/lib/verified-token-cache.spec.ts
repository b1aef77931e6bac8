import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VerifiedTokenCache } from './verified-token-cache';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapUsedAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

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

  it('keeps a digest of each token, not its text or the text it was cut from', () => {
    const cache = new VerifiedTokenCache(1000);
    const before = heapUsedAfterGc();
    for (let i = 0; i < 1000; i++) {
      // As the handshake finds it: part of its request's URL (10 KB here), which a kept slice keeps.
      const url = `/ws?access_token=${String(i).padEnd(10_000, '.')}`;
      cache.set(url.slice(url.indexOf('=') + 1), ada, undefined);
    }
    // 10 MB if the tokens were kept; their digests and entries take a few hundred bytes each.
    expect(heapUsedAfterGc() - before).toBeLessThan(1_000_000);
    expect(cache.get(`${'7'.padEnd(10_000, '.')}`, 0)).toEqual(ada);
  });
});
