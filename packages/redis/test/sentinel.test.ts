// The stores over node-redis's own Sentinel support: a real master and a real sentinel on loopback;
// the client asks the sentinel where the master is.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createSentinel } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisIntrospectionCache, RedisReplayStore } from '../src/index.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { requireBinary } from '../../../test/helpers/binaries.js';

// Skipped, with one line saying why, where redis-server, redis-cli is missing; a failure in CI.
const binariesPresent = requireBinary('redis-server', 'redis-cli');

const run = promisify(execFile);
let dir: string;
let master: RedisServer;
let sentinelProcess: ChildProcess | undefined;
let sentinel: ReturnType<typeof createSentinel>;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-redis-sentinel-'));
  master = await startRedisServer();
  const sentinelPort = await freePort();
  const config = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it gets a writable copy of its own.
  await writeFile(config, `port ${sentinelPort}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds mymaster 2000\n`);
  sentinelProcess = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore', cwd: dir });
  sentinelProcess.on('error', () => {});
  for (let attempt = 0; attempt < 100; attempt++) {
    const answer = await run('redis-cli', ['-p', String(sentinelPort), 'SENTINEL', 'get-master-addr-by-name', 'mymaster'], { timeout: 2_000 }).catch(() => undefined);
    if (answer?.stdout.includes(String(master.port))) break;
    await sleep(100);
  }
  sentinel = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: sentinelPort }], nodeClientOptions: { disableOfflineQueue: true } });
  sentinel.on('error', () => {});
  await sentinel.connect();
}, 60_000);

afterAll(async () => {
  if (sentinel?.isOpen) await sentinel.close().catch(() => {});
  if (sentinelProcess !== undefined && sentinelProcess.exitCode === null) {
    const exit = once(sentinelProcess, 'exit');
    sentinelProcess.kill('SIGTERM');
    await exit;
  }
  await master?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 30_000);

describe.runIf(binariesPresent)('Redis Sentinel through createSentinel()', () => {
  it('exactly one of 1,000 concurrent adds of one key wins, written on the master the sentinel names', async () => {
    const store = new RedisReplayStore(sentinel, { timeout: 10_000 }); // generous: the timeout is not what this test is about
    const results = await Promise.all(Array.from({ length: 1_000 }, () => store.add('sentinel-proof', 60_000)));
    expect(results.filter((won) => won)).toHaveLength(1);
    expect((await run('redis-cli', ['-p', String(master.port), 'EXISTS', 'portcullis:sentinel-proof'])).stdout.trim()).toBe('1');
  });

  it('introspection cache entries round-trip', async () => {
    const cache = new RedisIntrospectionCache(sentinel);
    await cache.set('entry', '{"active":true}', 60_000);
    expect(await cache.get('entry')).toBe('{"active":true}');
  });
});
