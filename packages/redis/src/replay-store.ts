import type { ReplayStore } from '@portcullis/core';
import { boundedCommand, type RedisStoreClient } from './client.js';
import { pxValue, resolveRedisStoreOptions, type RedisStoreOptions } from './options.js';

/**
 * A DPoP proof replay store (core's `ReplayStore`) shared by every instance of an API through Redis:
 * one `SET <prefix><key> 1 NX PX <ttl>` per proof, atomic in Redis, so of any number of concurrent
 * uses of one proof, on any number of instances, exactly one is accepted.
 *
 * Every call settles within `timeout` (default 500 ms); when Redis cannot answer it rejects with a
 * `RedisStoreError`, and the verifier answers 503 with `Retry-After` (or accepts, with an event, under
 * `dpop.replayStoreFailure: 'accept'`).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createVerifier } from '@portcullis/core';
 * import { RedisReplayStore } from '@portcullis/redis';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).on('error', () => {}).connect();
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 *   dpop: { replayStore: new RedisReplayStore(redis, { keyPrefix: 'orders-api:' }) },
 * });
 * ```
 */
export class RedisReplayStore implements ReplayStore {
  readonly #client: RedisStoreClient;
  readonly #keyPrefix: string;
  readonly #timeout: number;

  constructor(client: RedisStoreClient, options?: RedisStoreOptions) {
    const resolved = resolveRedisStoreOptions(client, options, 'RedisReplayStore');
    this.#client = client;
    this.#keyPrefix = resolved.keyPrefix;
    this.#timeout = resolved.timeout;
  }

  async add(key: string, ttlMs: number): Promise<boolean> {
    const options = { condition: 'NX', expiration: { type: 'PX', value: pxValue(ttlMs) } } as const;
    const reply = await boundedCommand(this.#client, 'SET', this.#timeout, (client) => client.set(this.#keyPrefix + key, '1', options));
    // 'OK': this call wrote the key (first use); null: NX found it there (a replay).
    return reply !== null && reply !== undefined;
  }
}

/**
 * Shorthand for `new RedisReplayStore(client, options)`.
 *
 * @example
 * ```ts
 * const replayStore = createRedisReplayStore(redis, { keyPrefix: 'orders-api:', timeout: 250 });
 * ```
 */
export function createRedisReplayStore(client: RedisStoreClient, options?: RedisStoreOptions): RedisReplayStore {
  return new RedisReplayStore(client, options);
}
