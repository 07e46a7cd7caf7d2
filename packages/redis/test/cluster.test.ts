// The stores over node-redis's own Redis Cluster support: a real three-master cluster on loopback
// (redis-server --cluster-enabled, joined with redis-cli --cluster create).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisIntrospectionCache, RedisReplayStore, RedisStoreError } from '../src/index.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { requireBinary } from '../../../test/helpers/binaries.js';

// Skipped, with one line saying why, where redis-server, redis-cli is missing; a failure in CI.
const binariesPresent = requireBinary('redis-server', 'redis-cli');

const run = promisify(execFile);
let dir: string;
let nodes: RedisServer[] = [];
let cluster: ReturnType<typeof createCluster>;

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-redis-cluster-'));
  nodes = await Promise.all(
    [0, 1, 2].map((i) => startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--cluster-node-timeout', '2000'], dir)),
  );
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 });
  for (let attempt = 0; attempt < 100; attempt++) {
    const states = await Promise.all(nodes.map((node) => cli(node.port, 'CLUSTER', 'INFO')));
    if (states.every((info) => info.includes('cluster_state:ok'))) break;
    await sleep(100);
  }
  cluster = createCluster({ rootNodes: [{ url: nodes[0]!.url }], defaults: { socket: { reconnectStrategy: () => 100, connectTimeout: 1_000 } } });
  cluster.on('error', () => {});
  await cluster.connect();
}, 60_000);

afterAll(async () => {
  if (cluster?.isOpen) await cluster.close().catch(() => {});
  await Promise.all(nodes.map((node) => node.stop()));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 30_000);

describe.runIf(binariesPresent)('Redis Cluster (three masters) through createCluster()', () => {
  it('exactly one of 1,000 concurrent adds of one key wins; distinct keys spread over every master', async () => {
    const store = new RedisReplayStore(cluster, { timeout: 10_000 }); // the timeout is not what this test is about: a loaded machine took > 500 ms
    const results = await Promise.all(Array.from({ length: 1_000 }, () => store.add('cluster-proof', 60_000)));
    expect(results.filter((won) => won)).toHaveLength(1);
    const distinct = await Promise.all(Array.from({ length: 300 }, (_, i) => store.add(`jti-${i}`, 60_000)));
    expect(distinct.every((won) => won)).toBe(true);
    const sizes = await Promise.all(nodes.map(async (node) => Number((await cli(node.port, 'DBSIZE')).trim())));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(301);
    for (const size of sizes) expect(size).toBeGreaterThan(0);
  });

  it('introspection cache entries round-trip whichever master holds their slot', async () => {
    const cache = new RedisIntrospectionCache(cluster, { keyPrefix: 'c:' });
    await Promise.all(Array.from({ length: 50 }, (_, i) => cache.set(`entry-${i}`, `{"n":${i}}`, 60_000)));
    const values = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.get(`entry-${i}`)));
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `{"n":${i}}`));
  });

  it('a master killed: calls for its slots reject with RedisStoreError within the timeout, the others keep answering; restarted, it serves its slots again', async () => {
    const store = new RedisReplayStore(cluster, { timeout: 300 });
    await nodes[2]!.kill();
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const start = performance.now();
        try {
          await store.add(`after-kill-${i}`, 60_000);
          return { ok: true, ms: performance.now() - start };
        } catch (error) {
          expect(error).toBeInstanceOf(RedisStoreError);
          return { ok: false, ms: performance.now() - start };
        }
      }),
    );
    for (const outcome of outcomes) expect(outcome.ms).toBeLessThan(1_300);
    // Roughly a third of the slots were on the dead master; with no replica to fail over to they fail,
    // while the keys of the two live masters are still written.
    expect(outcomes.some((outcome) => !outcome.ok)).toBe(true);
    expect(outcomes.some((outcome) => outcome.ok)).toBe(true);

    // The node comes back with its cluster config (same port, same slots); the same cluster client reconnects.
    await nodes[2]!.start();
    const deadline = Date.now() + 15_000;
    let allWritten = false;
    for (let attempt = 0; attempt < 150 && !allWritten && Date.now() < deadline; attempt++) {
      const round = await Promise.all(Array.from({ length: 60 }, (_, i) => store.add(`after-restart-${attempt}-${i}`, 60_000).catch(() => false)));
      allWritten = round.every((won) => won);
      if (!allWritten) await sleep(100);
    }
    expect(allWritten).toBe(true);
  }, 30_000);
});
