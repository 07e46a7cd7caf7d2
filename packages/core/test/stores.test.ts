import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryIntrospectionCache, MemoryReplayStore } from '../src/index.js';

afterEach(() => vi.useRealTimers());

describe('MemoryReplayStore', () => {
  it('happy flow: the first add of a key wins, every later add within the TTL is a replay', async () => {
    const store = new MemoryReplayStore();
    const results = await Promise.all(Array.from({ length: 100 }, () => store.add('jti:a', 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.add('jti:b', 60_000)).toBe(true);
  });

  it('a key can be added again once its TTL has passed', async () => {
    vi.useFakeTimers();
    const store = new MemoryReplayStore();
    expect(await store.add('jti:a', 1_000)).toBe(true);
    vi.advanceTimersByTime(999);
    expect(await store.add('jti:a', 1_000)).toBe(false);
    vi.advanceTimersByTime(2);
    expect(await store.add('jti:a', 1_000)).toBe(true);
  });

  it('stays within its bound: the oldest entries go first', async () => {
    const store = new MemoryReplayStore({ max: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await store.add(key, 60_000);
    expect(store.size).toBe(3);
    expect(await store.add('d', 60_000)).toBe(false);
    expect(await store.add('a', 60_000)).toBe(true);
  });

  it('error flow: a bad bound is a TypeError naming the option', () => {
    expect(() => new MemoryReplayStore({ max: 0 })).toThrow(/option "replayStore\.max"/);
  });
});

describe('MemoryIntrospectionCache', () => {
  it('happy flow: a value is served until its TTL passes', async () => {
    vi.useFakeTimers();
    const cache = new MemoryIntrospectionCache();
    await cache.set('k', '{"active":true}', 1_000);
    expect(await cache.get('k')).toBe('{"active":true}');
    vi.advanceTimersByTime(1_001);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('stays within its bound', async () => {
    const cache = new MemoryIntrospectionCache({ max: 2 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, 60_000);
    expect(cache.size).toBe(2);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('c')).toBe('c');
  });
});
