import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryIntrospectionCache, MemoryReplayStore, ReplayStoreFullError } from '../src/index.js';

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

  it('error flow: full of live entries, it refuses a new key rather than forget one, and still knows every replay', async () => {
    const store = new MemoryReplayStore({ max: 3 });
    for (const key of ['a', 'b', 'c']) expect(await store.add(key, 60_000)).toBe(true);
    await expect(store.add('d', 60_000)).rejects.toBeInstanceOf(ReplayStoreFullError);
    expect(store.size).toBe(3);
    for (const key of ['a', 'b', 'c']) expect(await store.add(key, 60_000)).toBe(false);
  });

  it('expired entries are reclaimed when room is needed, oldest first', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new MemoryReplayStore({ max: 3 });
    await store.add('a', 1_000);
    vi.advanceTimersByTime(500);
    await store.add('b', 1_000);
    await store.add('c', 1_000);
    vi.advanceTimersByTime(501); // a has expired, b and c have not
    expect(await store.add('d', 1_000)).toBe(true);
    expect(store.size).toBe(3);
    await expect(store.add('e', 1_000)).rejects.toBeInstanceOf(ReplayStoreFullError);
    expect(await store.add('b', 1_000)).toBe(false);
  });

  it('an expired entry behind a live one with a longer window is found by the full sweep', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new MemoryReplayStore({ max: 2 });
    await store.add('long', 60_000);
    await store.add('short', 1_000);
    await expect(store.add('x', 1_000)).rejects.toBeInstanceOf(ReplayStoreFullError);
    vi.advanceTimersByTime(1_001);
    expect(await store.add('x', 1_000)).toBe(true);
    expect(await store.add('long', 60_000)).toBe(false);
  });

  it('after a fruitless full sweep, room returns once the earliest entry expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new MemoryReplayStore({ max: 2 });
    await store.add('a', 60_000);
    await store.add('b', 1_000);
    vi.advanceTimersByTime(1_001); // b expired; re-adding it frees and refills its slot
    expect(await store.add('b', 60_000)).toBe(true);
    await expect(store.add('c', 1_000)).rejects.toBeInstanceOf(ReplayStoreFullError); // sweep: earliest is 60 s away
    vi.advanceTimersByTime(60_000); // a expires; b (renewed) has not
    expect(await store.add('c', 1_000)).toBe(true);
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
