// The README's few lines that fit an ioredis client to the stores, run as written against a real Redis.
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisIntrospectionCache, RedisReplayStore, RedisStoreError, type RedisStoreClient } from '../src/index.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { requireBinary } from '../../../test/helpers/binaries.js';

// Skipped, with one line saying why, where redis-server is missing; a failure in CI.
const binariesPresent = requireBinary('redis-server');

/** The wrapper of the README, verbatim but for taking the client as a parameter. */
function fromIoredis(ioredis: Redis): RedisStoreClient {
  let connecting: Promise<unknown> | undefined;
  const ready = (): Promise<unknown> | undefined =>
    ioredis.status === 'ready' ? undefined : (connecting ??= once(ioredis, 'ready').finally(() => (connecting = undefined)));
  return {
    set: async (key, value, { condition, expiration }) => {
      await ready();
      return condition === 'NX' ? ioredis.set(key, value, 'PX', expiration.value, 'NX') : ioredis.set(key, value, 'PX', expiration.value);
    },
    get: async (key) => {
      await ready();
      return ioredis.get(key);
    },
  };
}

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  // As the README advises: no offline queue, no retrying of a command across reconnects.
  redis = new Redis(server.port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100, lazyConnect: true });
  redis.on('error', () => {});
  await redis.connect();
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe.runIf(binariesPresent)('ioredis through the README wrapper', () => {
  it('replay store: exactly one of 1,000 concurrent adds of one key wins, with the TTL set in Redis', async () => {
    const store = new RedisReplayStore(fromIoredis(redis), { timeout: 10_000 }); // generous: the timeout is not what this test is about
    const results = await Promise.all(Array.from({ length: 1_000 }, () => store.add('io-proof', 60_000)));
    expect(results.filter((won) => won)).toHaveLength(1);
    const pttl = await redis.pttl('portcullis:io-proof');
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('introspection cache: set then get, absent is undefined', async () => {
    const cache = new RedisIntrospectionCache(fromIoredis(redis), { keyPrefix: 'io:' });
    expect(await cache.get('absent')).toBeUndefined();
    await cache.set('k', '{"active":true}', 60_000);
    expect(await cache.get('k')).toBe('{"active":true}');
    expect(await redis.get('io:k')).toBe('{"active":true}');
  });

  it('a client handed over while still connecting (created right before the first call, as the README does): the first calls succeed', async () => {
    const fresh = new Redis(server.port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    fresh.on('error', () => {});
    try {
      expect(fresh.status).not.toBe('ready');
      const store = new RedisReplayStore(fromIoredis(fresh));
      const cache = new RedisIntrospectionCache(fromIoredis(fresh), { keyPrefix: 'fresh:' });
      const [first, second, cached] = await Promise.all([store.add('fresh-proof', 60_000), store.add('fresh-proof', 60_000), cache.get('absent')]);
      expect([first, second].sort()).toEqual([false, true]);
      expect(cached).toBeUndefined();
    } finally {
      fresh.disconnect();
    }
  });

  it('without the wait for ready, such a client fails its first command (why the README waits)', async () => {
    const fresh = new Redis(server.port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    fresh.on('error', () => {});
    try {
      await expect(fresh.set('no-wait', '1', 'PX', 60_000, 'NX')).rejects.toThrow(/Stream isn't writeable/);
    } finally {
      fresh.disconnect();
    }
  });

  it('SIGKILL: calls reject with RedisStoreError within the timeout; after a restart the same client answers again', async () => {
    const store = new RedisReplayStore(fromIoredis(redis), { timeout: 300 });
    await server.kill();
    const start = performance.now();
    const outcome = await store.add('while-down', 60_000).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(RedisStoreError);
    expect(performance.now() - start).toBeLessThan(1_300);
    await server.start();
    let result: boolean | undefined;
    for (let attempt = 0; attempt < 100 && result === undefined; attempt++) {
      result = await store.add(`after-restart-${attempt}`, 60_000).catch(() => undefined);
      if (result === undefined) await sleep(100);
    }
    expect(result).toBe(true);
  });
});
