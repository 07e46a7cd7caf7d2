// Compile-time checks (tsc -p test, run by `pnpm lint`): node-redis's client, cluster and Sentinel
// types fit RedisStoreClient as they are. At run time it checks only that nothing connects here.
import { createClient, createCluster, createSentinel } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisIntrospectionCache, RedisReplayStore, type RedisStoreClient } from '../src/index.js';

describe('types', () => {
  it('node-redis createClient(), createCluster() and createSentinel() are accepted without a cast', () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    // The README's set-ups.
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }], defaults: { disableOfflineQueue: true } });
    const sentinel = createSentinel({
      name: 'mymaster',
      sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }],
      nodeClientOptions: { disableOfflineQueue: true },
    });
    const fits: RedisStoreClient[] = [client, cluster, sentinel];
    for (const each of fits) {
      expect(new RedisReplayStore(each)).toBeInstanceOf(RedisReplayStore);
      expect(new RedisIntrospectionCache(each)).toBeInstanceOf(RedisIntrospectionCache);
    }
    expect(client.isOpen).toBe(false);
  });
});
