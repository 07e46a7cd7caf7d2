import { rejectUnknownKeys } from '@portcullis/core';

/** Option names of {@link RedisStoreOptions}, for the unknown-key check. */
export const REDIS_STORE_OPTION_KEYS = ['keyPrefix', 'timeout'] as const;

/** Default `keyPrefix`: every key the stores write starts with it. */
export const DEFAULT_KEY_PREFIX = 'portcullis:';
/** Default `timeout` in milliseconds: how long one command may take before the store rejects. */
export const DEFAULT_STORE_TIMEOUT = 500;

/**
 * Options of the Redis stores.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { keyPrefix: 'orders-api:', timeout: 250 };
 * ```
 */
export interface RedisStoreOptions {
  /**
   * Prepended to every key, so that several APIs (or environments) can share one Redis without
   * seeing each other's entries. Default `'portcullis:'`. In a Redis Cluster, keys spread over slots
   * by their hash; each command touches one key, so no hash tag is needed.
   */
  keyPrefix?: string | undefined;
  /** Milliseconds one command may take before the call rejects with a `RedisStoreError`. Default 500. */
  timeout?: number | undefined;
}

export interface ResolvedRedisStoreOptions {
  keyPrefix: string;
  timeout: number;
}

export function resolveRedisStoreOptions(client: unknown, options: unknown, name: string): ResolvedRedisStoreOptions {
  if (client === null || typeof client !== 'object' || typeof (client as { set?: unknown }).set !== 'function' || typeof (client as { get?: unknown }).get !== 'function') {
    throw new TypeError(`Portcullis: ${name} needs a Redis client with set() and get() (node-redis createClient(), createCluster() or createSentinel(), or a wrapper)`);
  }
  if (options === undefined) return { keyPrefix: DEFAULT_KEY_PREFIX, timeout: DEFAULT_STORE_TIMEOUT };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`Portcullis: option "${name}" must be an object`);
  rejectUnknownKeys(options, REDIS_STORE_OPTION_KEYS, name);
  const { keyPrefix = DEFAULT_KEY_PREFIX, timeout = DEFAULT_STORE_TIMEOUT } = options as RedisStoreOptions;
  if (typeof keyPrefix !== 'string') throw new TypeError(`Portcullis: option "${name}.keyPrefix" must be a string`);
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) {
    throw new TypeError(`Portcullis: option "${name}.timeout" must be an integer number of milliseconds from 1 to 60000`);
  }
  return { keyPrefix, timeout };
}

/** Redis `PX` wants a positive integer; core's TTLs are milliseconds that may be fractional. */
export function pxValue(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) throw new TypeError('Portcullis: a store TTL must be a number of milliseconds');
  return Math.max(1, Math.ceil(Math.min(ttlMs, 2 ** 31)));
}
