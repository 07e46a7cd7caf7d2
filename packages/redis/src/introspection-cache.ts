import type { IntrospectionCacheStore } from '@portcullis/core';
import { boundedCommand, type RedisStoreClient } from './client.js';
import { RedisStoreError } from './errors.js';
import { pxValue, resolveRedisStoreOptions, type RedisStoreOptions } from './options.js';

/**
 * An introspection result cache (core's `IntrospectionCacheStore`) shared by every instance of an API
 * through Redis: `SET <prefix><key> <json> PX <ttl>` and `GET`. Core hands it keys derived from a hash
 * of the endpoint and the token and the JSON of results that passed every check; the expiry lives in
 * Redis (`PX`), and core re-checks `exp` on every hit.
 *
 * Every call settles within `timeout` (default 500 ms); when Redis cannot answer it rejects with a
 * `RedisStoreError`, and core asks the authorization server instead, so an outage of Redis costs
 * introspection calls, not refusals.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createVerifier } from '@portcullis/core';
 * import { RedisIntrospectionCache } from '@portcullis/redis';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).on('error', () => {}).connect();
 * const verifier = createVerifier({
 *   issuer: [{
 *     issuer: 'https://as.example.com',
 *     introspection: { clientId: 'orders-api', clientSecret: process.env.SECRET!, cacheStore: new RedisIntrospectionCache(redis) },
 *   }],
 *   audience: 'https://orders.example.com',
 * });
 * ```
 */
export class RedisIntrospectionCache implements IntrospectionCacheStore {
  readonly #client: RedisStoreClient;
  readonly #keyPrefix: string;
  readonly #timeout: number;

  constructor(client: RedisStoreClient, options?: RedisStoreOptions) {
    const resolved = resolveRedisStoreOptions(client, options, 'RedisIntrospectionCache');
    this.#client = client;
    this.#keyPrefix = resolved.keyPrefix;
    this.#timeout = resolved.timeout;
  }

  async get(key: string): Promise<string | undefined> {
    const reply = await boundedCommand(this.#client, 'GET', this.#timeout, (client) => client.get(this.#keyPrefix + key));
    if (reply === null || reply === undefined) return undefined;
    if (typeof reply === 'string') return reply;
    // A client with a type mapping that returns Buffers: still the JSON text core stored.
    if (reply instanceof Uint8Array) return Buffer.from(reply).toString('utf8');
    throw new RedisStoreError('unavailable', 'GET', 'Portcullis: Redis GET answered something other than a string');
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const options = { expiration: { type: 'PX', value: pxValue(ttlMs) } } as const;
    await boundedCommand(this.#client, 'SET', this.#timeout, (client) => client.set(this.#keyPrefix + key, value, options));
  }
}

/**
 * Shorthand for `new RedisIntrospectionCache(client, options)`.
 *
 * @example
 * ```ts
 * const cacheStore = createRedisIntrospectionCache(redis, { keyPrefix: 'orders-api:' });
 * ```
 */
export function createRedisIntrospectionCache(client: RedisStoreClient, options?: RedisStoreOptions): RedisIntrospectionCache {
  return new RedisIntrospectionCache(client, options);
}
