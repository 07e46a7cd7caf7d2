// What Redis costs and saves when many instances share state, on loopback (`pnpm build` first):
//   node test/bench/redis.mjs          (BENCH_QUICK=1 for a smoke run)
// 1. the DPoP replay check: RedisReplayStore.add (SET NX PX) next to MemoryReplayStore.add, one call at
//    a time (latency) and 64 in flight (throughput); CPU per call of this process and of redis-server;
//    next to it the proof's ES256 signature check, the other per-request cost of DPoP;
// 2. introspection calls across two instances, each with its own cache-aside loop (get, on a miss ask
//    the server, set) over a per-instance MemoryIntrospectionCache or one shared RedisIntrospectionCache,
//    against a counting stand-in introspection endpoint (2 ms per answer);
// 3. whether sharing the JWKS through Redis would pay: a JWKS fetch from the fake issuer next to a GET
//    of the same document from Redis.
// Nothing is asserted; it prints a Markdown table. redis-server runs pinned to CPU 0 and this process
// to CPU 1 when taskset works.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryIntrospectionCache, MemoryReplayStore } from '@portcullis/core';
import { RedisIntrospectionCache, RedisReplayStore } from '@portcullis/redis';
import { startFakeIssuer } from '@portcullis/testing';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { createClient } from 'redis';
import { hasTaskset, machine, say } from './lib/common.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 2_000 : 10_000;
const ROUNDS = QUICK ? 2 : 5;

const machineFacts = machine();
if (hasTaskset()) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

const port = await freePort();
const redisArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];
for (const binary of ['redis-server']) {
  const found = (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(`${dir}/${binary}`));
  if (!found) {
    process.stderr.write(`${binary} is not on the PATH: this benchmark needs it (install: apt-get install redis-server)\n`);
    process.exit(1);
  }
}
const redisServer = hasTaskset() ? spawn('taskset', ['-c', '0', 'redis-server', ...redisArgs], { stdio: 'ignore' }) : spawn('redis-server', redisArgs, { stdio: 'ignore' });
const newClient = () => createClient({ url: `redis://127.0.0.1:${port}` }).on('error', () => {});
let admin;
for (let i = 0; i < 100 && admin === undefined; i++) {
  try {
    admin = await newClient().connect();
  } catch {
    await sleep(50);
  }
}
if (admin === undefined) throw new Error('redis-server did not start');

/** redis-server's own CPU seconds (user + sys), from INFO. */
async function redisCpuSeconds() {
  const info = await admin.info('cpu');
  const field = (name) => Number(/^(\w+):([\d.]+)$/m.exec(info.split('\n').find((l) => l.startsWith(`${name}:`)) ?? '')?.[2] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
};
const hashedKey = (purpose) => `${purpose}:${createHash('sha256').update(randomUUID()).digest('hex')}`;

/** Runs `call` N times, `inFlight` at a time; wall, this process's CPU and redis-server's CPU per call. */
async function measure(call, inFlight) {
  const keys = Array.from({ length: N }, () => hashedKey('dpop'));
  const latencies = [];
  const cpu0 = process.cpuUsage();
  const redis0 = await redisCpuSeconds();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < N) {
        const key = keys[next++];
        const start = performance.now();
        await call(key);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisCpu = (await redisCpuSeconds()) - redis0;
  return {
    p50Us: median(latencies) * 1000,
    p99Us: percentile(latencies, 99) * 1000,
    perSecond: N / (wallMs / 1000),
    nodeCpuUs: (cpu.user + cpu.system) / N,
    redisCpuUs: (redisCpu * 1e6) / N,
  };
}

/** Median of each field over ROUNDS rounds, cases interleaved so that drift lands on all alike. */
async function rounds(cases) {
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) samples[name].push(await run());
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [name, Object.fromEntries(Object.keys(list[0]).map((field) => [field, median(list.map((s) => s[field]))]))]),
  );
}

const fmt = (value, digits = 1) => (value === undefined ? '–' : value.toFixed(digits));
const client = await newClient().connect();
const memoryStore = new MemoryReplayStore({ max: 2 * N });
const redisStore = new RedisReplayStore(client, { keyPrefix: 'bench:' });

// Warm-up: connection, JIT.
for (let i = 0; i < 2_000; i++) {
  await redisStore.add(hashedKey('dpop'), 300_000);
  await memoryStore.add(hashedKey('dpop'), 300_000);
}

const replay = await rounds({
  'MemoryReplayStore, 1 in flight': () => measure((key) => memoryStore.add(key, 300_000), 1),
  'RedisReplayStore, 1 in flight': () => measure((key) => redisStore.add(key, 300_000), 1),
  'RedisReplayStore, 64 in flight': () => measure((key) => redisStore.add(key, 300_000), 64),
  'node-redis SET NX PX alone, 1 in flight': () => measure((key) => client.set(`bench:${key}`, '1', { condition: 'NX', expiration: { type: 'PX', value: 300_000 } }), 1),
});

// The other per-request cost of DPoP: verifying the proof's ES256 signature (jose, as core does).
const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwk = await exportJWK(publicKey);
const proofs = await Promise.all(
  Array.from({ length: 500 }, () =>
    new SignJWT({ htm: 'GET', htu: 'https://api.example.com/orders', iat: Math.floor(Date.now() / 1000), jti: randomUUID() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .sign(privateKey),
  ),
);
const proofKey = await importJWK(jwk, 'ES256');
const sigRuns = QUICK ? 1_000 : 5_000;
const sigCpu0 = process.cpuUsage();
for (let i = 0; i < sigRuns; i++) await jwtVerify(proofs[i % proofs.length], proofKey, { typ: 'dpop+jwt' });
const sigCpu = process.cpuUsage(sigCpu0);
const signatureCpuUs = (sigCpu.user + sigCpu.system) / sigRuns;

say(`## Redis stores on loopback (${QUICK ? 'quick' : 'full'} run: ${N} calls × ${ROUNDS} rounds, medians)`);
say();
const m = machineFacts;
say(`Machine: ${m.nproc} CPUs (${m.cpuModel}), Node ${m.node}, redis-server ${execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).split(' ')[2]?.slice(2)}, taskset: ${m.taskset}`);
say();
say('| replay check | p50 µs | p99 µs | calls/s | CPU µs/call (Node) | CPU µs/call (redis-server) |');
say('|---|---:|---:|---:|---:|---:|');
for (const [name, r] of Object.entries(replay)) {
  say(`| ${name} | ${fmt(r.p50Us)} | ${fmt(r.p99Us)} | ${Math.round(r.perSecond)} | ${fmt(r.nodeCpuUs)} | ${name.startsWith('Memory') ? '–' : fmt(r.redisCpuUs)} |`);
}
say(`| for scale: the proof's ES256 signature check (jose) | | | | ${fmt(signatureCpuUs)} | |`);
say();

// 2. Introspection calls across two instances.
const introspectionCalls = { count: 0 };
const as = createHttpServer((req, res) => {
  introspectionCalls.count++;
  req.resume();
  req.on('end', () => setTimeout(() => res.end(JSON.stringify({ active: true, scope: 'orders:read', exp: Math.floor(Date.now() / 1000) + 3600 })), 2));
});
as.keepAliveTimeout = 60_000;
as.listen(0, '127.0.0.1');
await once(as, 'listening');
const asUrl = `http://127.0.0.1:${as.address().port}/introspect`;

/** One instance's cache-aside loop over `cache`, with concurrent misses of one key sharing one call (as core does). */
function instance(cache) {
  const inFlight = new Map();
  return async (key) => {
    let cached;
    try {
      cached = await cache.get(key);
    } catch {
      cached = undefined;
    }
    if (cached !== undefined) return JSON.parse(cached);
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = globalThis.fetch(asUrl, { method: 'POST', body: `token=${key}` })
        .then((response) => response.text())
        .then(async (text) => {
          await cache.set(key, text, 30_000).catch(() => {});
          return JSON.parse(text);
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
}

const TOKENS = QUICK ? 200 : 1_000;
const USES = 10;
async function introspectionLoad(makeCaches) {
  const [a, b] = makeCaches().map(instance);
  // Each token used USES times, in rounds; the load balancer sends each request to either instance
  // (a fixed pseudo-random sequence, the same for both cases).
  const requests = [];
  for (let use = 0; use < USES; use++) for (let t = 0; t < TOKENS; t++) requests.push(`token-${t}`);
  let seed = 0x2545f491;
  const side = requests.map(() => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % 2;
  });
  introspectionCalls.count = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < requests.length) {
        const i = next++;
        await (side[i] === 0 ? a : b)(requests[i]);
      }
    }),
  );
  return { calls: introspectionCalls.count, ms: performance.now() - t0 };
}
await admin.flushAll();
const memoryLoad = await introspectionLoad(() => [new MemoryIntrospectionCache(), new MemoryIntrospectionCache()]);
const clientB = await newClient().connect();
const redisLoad = await introspectionLoad(() => [new RedisIntrospectionCache(client, { keyPrefix: 'bench-i:' }), new RedisIntrospectionCache(clientB, { keyPrefix: 'bench-i:' })]);
say(`| introspection, 2 instances, ${TOKENS} tokens × ${USES} uses, 32 in flight | calls to the AS | calls per token | wall ms |`);
say('|---|---:|---:|---:|');
say(`| each instance its own MemoryIntrospectionCache | ${memoryLoad.calls} | ${fmt(memoryLoad.calls / TOKENS, 2)} | ${Math.round(memoryLoad.ms)} |`);
say(`| one shared RedisIntrospectionCache | ${redisLoad.calls} | ${fmt(redisLoad.calls / TOKENS, 2)} | ${Math.round(redisLoad.ms)} |`);
say();

// 3. JWKS: a fetch from the fake issuer against a GET of the same document from Redis.
const issuer = await startFakeIssuer();
issuer.currentKid('ES384');
const jwksText = await (await globalThis.fetch(issuer.jwksUri)).text();
await client.set('bench:jwks', jwksText);
const JWKS_RUNS = QUICK ? 200 : 1_000;
const fetchMs = [];
const getMs = [];
for (let i = 0; i < JWKS_RUNS; i++) {
  let start = performance.now();
  JSON.parse(await (await globalThis.fetch(issuer.jwksUri)).text());
  fetchMs.push(performance.now() - start);
  start = performance.now();
  JSON.parse(await client.get('bench:jwks'));
  getMs.push(performance.now() - start);
}
say(`| JWKS (${jwksText.length} bytes, ${JSON.parse(jwksText).keys.length} keys), ${JWKS_RUNS} runs | p50 µs | p99 µs |`);
say('|---|---:|---:|');
say(`| fetch from the issuer over loopback HTTP + JSON.parse | ${fmt(median(fetchMs) * 1000)} | ${fmt(percentile(fetchMs, 99) * 1000)} |`);
say(`| GET from Redis + JSON.parse | ${fmt(median(getMs) * 1000)} | ${fmt(percentile(getMs, 99) * 1000)} |`);
say();

await issuer.close();
as.close();
await Promise.all([client.close(), clientB.close(), admin.close()]);
redisServer.kill('SIGTERM');
await once(redisServer, 'exit');
