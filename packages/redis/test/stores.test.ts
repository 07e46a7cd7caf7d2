import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_KEY_PREFIX,
  RedisIntrospectionCache,
  RedisReplayStore,
  RedisStoreError,
  createRedisIntrospectionCache,
  createRedisReplayStore,
} from '../src/index.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { requireBinary } from '../../../test/helpers/binaries.js';

// Skipped, with one line saying why, where redis-server is missing; a failure in CI.
const binariesPresent = requireBinary('redis-server');

let server: RedisServer;

function newClient(options: { disableOfflineQueue?: boolean } = {}) {
  return createClient({
    url: server.url,
    ...options,
    // Reconnect quickly so that the restart tests do not wait on the default back-off.
    socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 200), connectTimeout: 1_000 },
  });
}
type Client = ReturnType<typeof newClient>;
const clients: Client[] = [];

async function connectClient(options: { disableOfflineQueue?: boolean } = {}): Promise<Client> {
  const client = newClient(options);
  // node-redis emits 'error' on every lost connection; an unhandled 'error' event would end the process.
  client.on('error', () => {});
  clients.push(client);
  await client.connect();
  return client;
}

/** Every key in the keyspace with its value (the stores write strings only). */
async function keyspace(client: Client): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for await (const keys of client.scanIterator({ COUNT: 1000 })) {
    for (const key of keys) entries.set(key, (await client.get(key)) ?? '');
  }
  return entries;
}

/** Retries `call` until it resolves (bounded), for the client's reconnect after a restart. */
async function eventually<T>(call: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; attempt < 500 && Date.now() < deadline; attempt++) {
    try {
      return await call();
    } catch (error) {
      lastError = error;
      await sleep(50);
    }
  }
  throw lastError instanceof Error ? lastError : new Error('eventually: never resolved');
}

async function settleTime(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  try {
    await promise;
    return { error: undefined, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterEach(async () => {
  await server.command('FLUSHALL');
});

afterAll(async () => {
  await Promise.all(clients.filter((client) => client.isOpen).map((client) => client.close()));
  await server?.stop();
});

describe.runIf(binariesPresent)('options', () => {
  it('TypeError naming the option for an unknown key, a bad timeout or prefix, and a missing client', async () => {
    const client = await connectClient();
    expect(() => new RedisReplayStore(client, { timeOut: 100 } as never)).toThrow(/"RedisReplayStore.timeOut" is not a known option \(did you mean "RedisReplayStore.timeout"\?\)/);
    expect(() => new RedisIntrospectionCache(client, { timeout: 0 })).toThrow(/"RedisIntrospectionCache.timeout" must be an integer/);
    expect(() => new RedisReplayStore(client, { timeout: 1.5 })).toThrow(TypeError);
    expect(() => new RedisReplayStore(client, { keyPrefix: 7 } as never)).toThrow(/"RedisReplayStore.keyPrefix" must be a string/);
    expect(() => new RedisReplayStore(undefined as never)).toThrow(/needs a Redis client with set\(\) and get\(\)/);
    expect(() => new RedisReplayStore(client, null as never)).toThrow(TypeError);
  });

  it('the factories build the same stores as the constructors', async () => {
    const client = await connectClient();
    expect(createRedisReplayStore(client)).toBeInstanceOf(RedisReplayStore);
    expect(createRedisIntrospectionCache(client)).toBeInstanceOf(RedisIntrospectionCache);
  });
});

describe.runIf(binariesPresent)('RedisReplayStore', () => {
  it('happy flow: true on first use, false on every later use of the same key', async () => {
    const store = new RedisReplayStore(await connectClient());
    expect(await store.add('jti-a', 60_000)).toBe(true);
    expect(await store.add('jti-a', 60_000)).toBe(false);
    expect(await store.add('jti-b', 60_000)).toBe(true);
  });

  it('exactly one of 1,000 concurrent adds of one key wins, over one connection', async () => {
    const store = new RedisReplayStore(await connectClient(), { timeout: 10_000 }); // generous: the timeout is not what this test is about
    const results = await Promise.all(Array.from({ length: 1_000 }, () => store.add('same-proof', 60_000)));
    expect(results.filter((won) => won)).toHaveLength(1);
  });

  it('exactly one of 1,000 concurrent adds of one key wins, spread over four connections (four instances)', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, async () => new RedisReplayStore(await connectClient())));
    const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => stores[i % 4]!.add('shared-proof', 60_000)));
    expect(results.filter((won) => won)).toHaveLength(1);
  });

  it('the key expires after its TTL (PX in Redis), then the same key is accepted again', async () => {
    const client = await connectClient();
    const store = new RedisReplayStore(client);
    expect(await store.add('short', 150)).toBe(true);
    const pttl = await client.pTTL(`${DEFAULT_KEY_PREFIX}short`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(150);
    expect(await store.add('short', 150)).toBe(false);
    await eventually(async () => {
      if ((await client.exists(`${DEFAULT_KEY_PREFIX}short`)) !== 0) throw new Error('not expired yet');
    }, 5_000);
    expect(await store.add('short', 150)).toBe(true);
  });

  it('a fractional or tiny TTL becomes a whole PX of at least 1 ms', async () => {
    const client = await connectClient();
    const store = new RedisReplayStore(client);
    expect(await store.add('fraction', 60_000.4)).toBe(true);
    expect(await client.pTTL(`${DEFAULT_KEY_PREFIX}fraction`)).toBeGreaterThan(59_000);
    await expect(store.add('nan', Number.NaN)).rejects.toThrow(TypeError);
  });
});

describe.runIf(binariesPresent)('RedisIntrospectionCache', () => {
  it('happy flow: set then get returns the JSON text; an absent key is undefined', async () => {
    const cache = new RedisIntrospectionCache(await connectClient());
    expect(await cache.get('absent')).toBeUndefined();
    await cache.set('k1', '{"active":true,"scope":"a b"}', 60_000);
    expect(await cache.get('k1')).toBe('{"active":true,"scope":"a b"}');
  });

  it('an entry is gone once its TTL passes', async () => {
    const client = await connectClient();
    const cache = new RedisIntrospectionCache(client);
    await cache.set('brief', '{"active":true}', 150);
    expect(await client.pTTL(`${DEFAULT_KEY_PREFIX}brief`)).toBeLessThanOrEqual(150);
    await eventually(async () => {
      if ((await cache.get('brief')) !== undefined) throw new Error('not expired yet');
    }, 5_000);
    expect(await cache.get('brief')).toBeUndefined();
  });

  it('set overwrites an earlier value and its TTL', async () => {
    const client = await connectClient();
    const cache = new RedisIntrospectionCache(client);
    await cache.set('k', '{"v":1}', 1_000);
    await cache.set('k', '{"v":2}', 60_000);
    expect(await cache.get('k')).toBe('{"v":2}');
    expect(await client.pTTL(`${DEFAULT_KEY_PREFIX}k`)).toBeGreaterThan(1_000);
  });
});

describe.runIf(binariesPresent)('keys', () => {
  it('writes exactly prefix + the key core gave and nothing else; a token that is not in the key never reaches Redis', async () => {
    const client = await connectClient();
    const token = 'FOEtUHwg0das9PhsasVmgMGbZn7nWSgK';
    // Core hands the stores hashes (here shaped like core's: a purpose and a SHA-256).
    const hashed = 'introspection:3f1b5c0e9d8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070f6';
    await new RedisIntrospectionCache(client).set(hashed, '{"active":true,"client_id":"orders"}', 60_000);
    await new RedisReplayStore(client).add('dpop:9a8b7c', 60_000);
    const entries = await keyspace(client);
    expect([...entries.keys()].sort()).toEqual(['portcullis:dpop:9a8b7c', `portcullis:${hashed}`]);
    for (const [key, value] of entries) {
      expect(key).not.toContain(token);
      expect(value).not.toContain(token);
    }
  });

  it('a keyPrefix separates APIs sharing one Redis: the same proof key is first use for each', async () => {
    const client = await connectClient();
    const orders = new RedisReplayStore(client, { keyPrefix: 'orders-api:' });
    const payments = new RedisReplayStore(client, { keyPrefix: 'payments-api:' });
    expect(await orders.add('jti-1', 60_000)).toBe(true);
    expect(await payments.add('jti-1', 60_000)).toBe(true);
    expect(await orders.add('jti-1', 60_000)).toBe(false);
    const keys = [...(await keyspace(client)).keys()].sort();
    expect(keys).toEqual(['orders-api:jti-1', 'payments-api:jti-1']);
    const ordersCache = new RedisIntrospectionCache(client, { keyPrefix: 'orders-api:' });
    await ordersCache.set('entry', '{"active":true}', 60_000);
    expect(await new RedisIntrospectionCache(client, { keyPrefix: 'payments-api:' }).get('entry')).toBeUndefined();
    expect(await ordersCache.get('entry')).toBe('{"active":true}');
  });
});

describe.runIf(binariesPresent)('Redis slow, killed and restarted', () => {
  const timeout = 300;
  // How late past `timeout` a rejection may come on a loaded 2-core machine and still count as bounded.
  const slack = 1_000;

  it('slow Redis (CLIENT PAUSE): add, get and set reject with RedisStoreError code "timeout" within the timeout, then work again', async () => {
    const client = await connectClient();
    const store = new RedisReplayStore(client, { timeout });
    const cache = new RedisIntrospectionCache(client, { timeout });
    expect(await store.add('before', 60_000)).toBe(true);
    await server.command('CLIENT', 'PAUSE', '1500', 'ALL');
    const [add, get, set] = await Promise.all([settleTime(store.add('during', 60_000)), settleTime(cache.get('k')), settleTime(cache.set('k', '{}', 60_000))]);
    for (const outcome of [add, get, set]) {
      expect(outcome.error).toBeInstanceOf(RedisStoreError);
      expect((outcome.error as RedisStoreError).code).toBe('timeout');
      expect(outcome.ms).toBeGreaterThanOrEqual(timeout - 5);
      expect(outcome.ms).toBeLessThan(timeout + slack);
    }
    expect((add.error as RedisStoreError).message).toBe('Portcullis: Redis did not answer SET within 300 ms');
    // Once the pause ends the same client answers again, without a reconnect. Each attempt uses its own
    // key: a SET that timed out after it was written still runs when Redis wakes up (see the README).
    let attempt = 0;
    expect(await eventually(() => store.add(`after-${attempt++}`, 60_000))).toBe(true);
    // The timed-out add was written before the pause and Redis ran it afterwards: a later use is a replay.
    expect(await store.add('during', 60_000)).toBe(false);
  });

  for (const disableOfflineQueue of [false, true]) {
    it(`SIGKILL mid-run: calls reject within the timeout; after a restart on the same port the same client answers (disableOfflineQueue: ${disableOfflineQueue})`, async () => {
      const client = await connectClient({ disableOfflineQueue });
      const store = new RedisReplayStore(client, { timeout });
      const cache = new RedisIntrospectionCache(client, { timeout });
      expect(await store.add('before-kill', 60_000)).toBe(true);

      // Calls in flight when Redis dies, and calls made while it is down.
      const inFlight = Array.from({ length: 20 }, (_, i) => settleTime(store.add(`in-flight-${i}`, 60_000)));
      await server.kill();
      const whileDown = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => settleTime(store.add(`while-down-${i}`, 60_000))),
        settleTime(cache.get('k')),
        settleTime(cache.set('k', '{}', 60_000)),
      ]);
      for (const outcome of whileDown) {
        expect(outcome.error).toBeInstanceOf(RedisStoreError);
        expect(outcome.ms).toBeLessThan(timeout + slack);
      }
      // With the offline queue on, the call waits in the queue until the timeout; with it off, it fails at once.
      const codes = new Set(whileDown.map((outcome) => (outcome.error as RedisStoreError).code));
      expect([...codes]).toEqual([disableOfflineQueue ? 'unavailable' : 'timeout']);
      for (const outcome of await Promise.all(inFlight)) {
        // Each either made it before the kill or failed in bounded time; none hangs.
        expect(outcome.ms).toBeLessThan(timeout + slack);
        if (outcome.error !== undefined) expect(outcome.error).toBeInstanceOf(RedisStoreError);
      }

      // Still down a while later: still bounded, still a RedisStoreError.
      await sleep(300);
      const later = await settleTime(store.add('still-down', 60_000));
      expect(later.error).toBeInstanceOf(RedisStoreError);
      expect(later.ms).toBeLessThan(timeout + slack);

      await server.start();
      expect(await eventually(() => store.add('after-restart', 60_000))).toBe(true);
      expect(await store.add('after-restart', 60_000)).toBe(false);
      await cache.set('k', '{"active":true}', 60_000);
      expect(await cache.get('k')).toBe('{"active":true}');

      // The commands given up on while Redis was down were dropped from the client's queue, not sent
      // after the reconnect: the fresh Redis holds only what was written after the restart.
      await sleep(200);
      expect([...(await keyspace(client)).keys()].sort()).toEqual(['portcullis:after-restart', 'portcullis:k']);
    });
  }

  it('a closed client rejects with RedisStoreError code "unavailable" at once', async () => {
    const client = await connectClient();
    const store = new RedisReplayStore(client, { timeout });
    await client.close();
    const outcome = await settleTime(store.add('x', 1_000));
    expect(outcome.error).toBeInstanceOf(RedisStoreError);
    expect((outcome.error as RedisStoreError).code).toBe('unavailable');
    expect((outcome.error as RedisStoreError).message).toMatch(/^Portcullis: Redis SET failed \(ClientClosedError: /);
  });
});
