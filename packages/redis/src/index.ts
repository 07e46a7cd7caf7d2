export { RedisReplayStore, createRedisReplayStore } from './replay-store.js';
export { RedisIntrospectionCache, createRedisIntrospectionCache } from './introspection-cache.js';
export { RedisStoreError } from './errors.js';
export type { RedisStoreErrorCode } from './errors.js';
export type { RedisStoreClient, RedisSetOptions } from './client.js';
export { REDIS_STORE_OPTION_KEYS, DEFAULT_KEY_PREFIX, DEFAULT_STORE_TIMEOUT } from './options.js';
export type { RedisStoreOptions } from './options.js';
