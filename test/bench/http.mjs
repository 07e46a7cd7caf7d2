// HTTP on loopback: every server runs in its own process (pinned to CPU 0 when taskset works), this
// process is the load generator (run.mjs pins it to CPU 1). Each round runs every case once, for a
// warm-up then a measured window, in a rotated order; medians of the rounds are reported. Argument:
// the run's work directory (tokens.json in, http.json out).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { CONFIG, cpuBusySeconds, hasTaskset, median, nodeCommand, readJson, say, spread, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const here = dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2];
const setupPath = join(dir, 'tokens.json');
const setup = readJson(setupPath);
const pool = setup.tokens.RS256;
const { rounds, serverWarmupSec, warmupSec, measureSec, connections } = CONFIG.http;
const pinned = hasTaskset();

const AUTH_MODES = ['same', 'distinct'];
const SERVERS = [
  { framework: 'express', variant: 'bare', label: 'Express 5, no auth', modes: ['same'] },
  { framework: 'express', variant: 'portcullis', label: 'Express 5 + @portcullis/express', modes: AUTH_MODES },
  { framework: 'express', variant: 'express-oauth2-jwt-bearer', label: 'Express 5 + express-oauth2-jwt-bearer', modes: AUTH_MODES },
  { framework: 'express', variant: 'express-jwt', label: 'Express 5 + express-jwt + jwks-rsa', modes: AUTH_MODES },
  { framework: 'express', variant: 'handrolled', label: 'Express 5 + hand-rolled sync RS256 check (reference)', modes: ['distinct'] },
  { framework: 'fastify', variant: 'bare', label: 'Fastify 5, no auth', modes: ['same'] },
  { framework: 'fastify', variant: 'portcullis', label: 'Fastify 5 + @portcullis/fastify', modes: AUTH_MODES },
  { framework: 'fastify', variant: 'fastify-jwt', label: 'Fastify 5 + @fastify/jwt + get-jwks', modes: AUTH_MODES },
  { framework: 'fastify', variant: 'handrolled', label: 'Fastify 5 + hand-rolled sync RS256 check (reference)', modes: ['distinct'] },
  { framework: 'koa', variant: 'bare', label: 'Koa 3, no auth', modes: ['same'] },
  { framework: 'koa', variant: 'portcullis', label: 'Koa 3 + @portcullis/koa', modes: AUTH_MODES },
  { framework: 'koa', variant: 'koa-jwt', label: 'Koa 3 + koa-jwt + jwks-rsa', modes: AUTH_MODES },
  { framework: 'koa', variant: 'handrolled', label: 'Koa 3 + hand-rolled sync RS256 check (reference)', modes: ['distinct'] },
  // Sync crypto.verify against its callback (thread-pool) form, in Express, with a hand-rolled RS256 check.
  { framework: 'express', variant: 'crypto-callback', label: 'Express 5 + callback `crypto.verify`', modes: ['distinct'], group: 'crypto' },
  {
    framework: 'express',
    variant: 'crypto-sync',
    label: 'Express 5 + sync `crypto.verify`, server on both CPUs',
    modes: ['distinct'],
    group: 'crypto',
    cpu: '0,1',
  },
  {
    framework: 'express',
    variant: 'crypto-callback',
    label: 'Express 5 + callback `crypto.verify`, server on both CPUs',
    modes: ['distinct'],
    group: 'crypto',
    cpu: '0,1',
  },
];

function startServer(spec) {
  const [command, argv] = nodeCommand(join(here, 'server.mjs'), [spec.framework, spec.variant, setupPath], spec.cpu ?? 0);
  const child = spawn(command, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = [];
  child.on('message', (message) => {
    if (message.type === 'mark') pending.shift()?.(message);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server ${spec.framework}/${spec.variant} exited with ${code}`)));
    child.once('message', (message) => {
      if (message.type !== 'ready') return reject(new Error(`unexpected message ${JSON.stringify(message)}`));
      resolve({
        child,
        url: `http://127.0.0.1:${message.port}/api`,
        mark: () =>
          new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`server ${spec.framework}/${spec.variant} did not answer`)), 10_000);
            pending.push((message) => {
              clearTimeout(timer);
              done(message);
            });
            child.send('mark');
          }),
      });
    });
  });
}

/** Flips one character in the middle of the signature. */
function tamper(token) {
  const at = token.lastIndexOf('.') + 10;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

/** A good token must get 200 with its `sub`, a tampered one 401: otherwise the case measures nothing. */
async function sanityCheck(spec, server) {
  const good = await globalThis.fetch(server.url, { headers: { authorization: `Bearer ${pool[1]}` } });
  const body = await good.text();
  const expected = spec.variant === 'bare' ? 'anonymous' : 'user-1';
  if (good.status !== 200 || JSON.parse(body).sub !== expected) return `valid token: ${good.status} ${body.slice(0, 80)}`;
  if (spec.variant === 'bare') return undefined;
  const bad = await globalThis.fetch(server.url, { headers: { authorization: `Bearer ${tamper(pool[1])}` } });
  await bad.arrayBuffer();
  if (bad.status !== 401) return `tampered token answered ${bad.status}`;
  return undefined;
}

const headerValues = pool.map((token) => `Bearer ${token}`);
/**
 * `cursor`: each case walks the pool on its own, so that its server sees the tokens in cyclic order
 * (with one shared walk, a server could meet a token again after fewer than pool-size others).
 */
function loadOptions(url, mode, duration, cursor) {
  const base = { url, connections, duration, pipelining: 1 };
  if (mode === 'same') return { ...base, headers: { authorization: headerValues[0] } };
  return {
    ...base,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          request.headers.authorization = headerValues[cursor.i];
          if (++cursor.i === headerValues.length) cursor.i = 0;
          return request;
        },
      },
    ],
  };
}

async function measure({ server, mode, cursor, spec }) {
  const pinnedToCpu0 = pinned && (spec.cpu ?? '0') === '0';
  await autocannon(loadOptions(server.url, mode, warmupSec, cursor));
  const cpu0Before = cpuBusySeconds(0);
  const cpu1Before = cpuBusySeconds(1);
  const before = await server.mark();
  const loadCpu = process.cpuUsage();
  const result = await autocannon(loadOptions(server.url, mode, measureSec, cursor));
  const loadCpuUsed = process.cpuUsage(loadCpu);
  const after = await server.mark();
  const cpu0After = cpuBusySeconds(0);
  const cpu1After = cpuBusySeconds(1);
  const served = after.requests - before.requests;
  const wallSec = (after.hrtimeNs - before.hrtimeNs) / 1e9;
  return {
    rps: result.requests.total / result.duration,
    p99Ms: result.latency.p99,
    serverCpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / served,
    serverUserMicrosPerRequest: (after.userMicros - before.userMicros) / served,
    serverSystemMicrosPerRequest: (after.systemMicros - before.systemMicros) / served,
    serverBusy: (after.cpuMicros - before.cpuMicros) / 1e6 / wallSec,
    loadgenBusy: (loadCpuUsed.user + loadCpuUsed.system) / 1e6 / result.duration,
    // CPU 0 time that went to other processes than the server (only meaningful when it is pinned there).
    otherOnCpu0: pinnedToCpu0 && cpu0Before !== undefined ? (cpu0After - cpu0Before - (after.cpuMicros - before.cpuMicros) / 1e6) / wallSec : NaN,
    // CPU 1 time that went to other processes than this load generator.
    otherOnCpu1: pinnedToCpu0 && cpu1Before !== undefined ? (cpu1After - cpu1Before - (loadCpuUsed.user + loadCpuUsed.system) / 1e6) / wallSec : NaN,
    bad: result.non2xx + result.errors + result.timeouts,
    ...(after.tokenCache === undefined
      ? {}
      : {
          cacheHits: after.tokenCache.hits - before.tokenCache.hits,
          cacheMisses: after.tokenCache.misses - before.tokenCache.misses,
        }),
  };
}

const cases = [];
const servers = [];
try {
  for (const spec of SERVERS) {
    const server = await startServer(spec);
    servers.push(server);
    const error = await sanityCheck(spec, server).catch((e) => String(e));
    if (error !== undefined) say(`  http: ${spec.label} skipped: ${error}`);
    for (const mode of spec.modes) cases.push({ spec, server, mode, error, cursor: { i: 0 }, samples: [] });
  }
  const runnable = cases.filter((c) => c.error === undefined);
  // Server warm-up, not measured: JIT compilation (on V8's background threads, which count as the
  // server's CPU) would otherwise land in the first round's numbers.
  for (const c of runnable) await autocannon(loadOptions(c.server.url, c.mode, serverWarmupSec, c.cursor));
  say('  http servers warmed up');
  // The machine's speed drifts over tens of seconds (other tenants, other processes' memory traffic),
  // so each framework's cases, its bare server included, run back to back, and "added" and "× bare"
  // are taken per round against that round's bare run before the median.
  const rotate = (list, by) => (list.length === 0 ? list : [...list.slice(by % list.length), ...list.slice(0, by % list.length)]);
  const frameworks = [...new Set(runnable.map((c) => c.spec.framework))];
  for (let round = 0; round < rounds; round++) {
    for (const framework of rotate(frameworks, round)) {
      const group = runnable.filter((c) => c.spec.framework === framework);
      for (const c of rotate(group, round * 3)) c.samples[round] = await measure(c);
    }
    say(`  http round ${round + 1}/${rounds} done`);
  }
} finally {
  for (const server of servers) server.child.kill();
}

const pick = (samples, field) => median(samples.map((s) => s[field]));
const bareOf = (framework) => cases.find((c) => c.spec.framework === framework && c.spec.variant === 'bare' && c.error === undefined);
/** Median over rounds of f(this case's sample, the bare server's sample of the same round). */
function perRound(c, f) {
  const bare = bareOf(c.spec.framework);
  if (bare === undefined) return NaN;
  return median(c.samples.map((sample, round) => f(sample, bare.samples[round])));
}
writeJson(join(dir, 'http.json'), {
  pinned,
  rounds,
  warmupSec,
  measureSec,
  connections,
  poolSize: pool.length,
  distinctCacheMax: setup.distinctCacheMax,
  results: cases.map((c) => ({ c, ...c })).map(({ c, spec, mode, error, samples }) => ({
    framework: spec.framework,
    variant: spec.variant,
    label: spec.label,
    group: spec.group ?? 'frameworks',
    cpu: spec.cpu ?? '0',
    mode,
    error,
    rps: pick(samples, 'rps'),
    rpsSpreadPct: spread(samples.map((s) => s.rps)),
    p99Ms: pick(samples, 'p99Ms'),
    serverCpuMicrosPerRequest: pick(samples, 'serverCpuMicrosPerRequest'),
    serverUserMicrosPerRequest: pick(samples, 'serverUserMicrosPerRequest'),
    serverSystemMicrosPerRequest: pick(samples, 'serverSystemMicrosPerRequest'),
    addedMicrosPerRequest: error === undefined ? perRound(c, (s, bare) => s.serverCpuMicrosPerRequest - bare.serverCpuMicrosPerRequest) : NaN,
    addedUserMicrosPerRequest: error === undefined ? perRound(c, (s, bare) => s.serverUserMicrosPerRequest - bare.serverUserMicrosPerRequest) : NaN,
    addedSystemMicrosPerRequest: error === undefined ? perRound(c, (s, bare) => s.serverSystemMicrosPerRequest - bare.serverSystemMicrosPerRequest) : NaN,
    rpsVsBare: error === undefined ? perRound(c, (s, bare) => s.rps / bare.rps) : NaN,
    serverBusy: pick(samples, 'serverBusy'),
    loadgenBusy: pick(samples, 'loadgenBusy'),
    otherOnCpu0: pick(samples, 'otherOnCpu0'),
    otherOnCpu1: pick(samples, 'otherOnCpu1'),
    bad: samples.reduce((sum, s) => sum + s.bad, 0),
    cacheHits: samples.reduce((sum, s) => sum + (s.cacheHits ?? 0), 0),
    cacheMisses: samples.reduce((sum, s) => sum + (s.cacheMisses ?? 0), 0),
    samples,
  })),
});
process.exit(0);
