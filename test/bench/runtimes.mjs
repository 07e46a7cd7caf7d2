// `pnpm build && node test/bench/runtimes.mjs`: verification throughput of Portcullis core and jose's
// jwtVerify on Node, Bun, Deno and workerd (miniflare), in one run, for RS256, ES256 and EdDSA. On each
// runtime both libraries verify the same tokens with the same keys in interleaved rounds; the report is
// the ratio Portcullis/jose per runtime and algorithm (medians over rounds), plus the rates. Batches are
// timed from this process (workerd's clock stands still while a request computes), less the median
// round trip of an empty batch; each case's batch is sized in the warm-up to take ~400 ms. Rates are per
// CPU-second of the runtime process (its threads included: WebCrypto may verify off the main thread). Nothing here is asserted. BENCH_QUICK=1 for a short smoke run.
// BENCH_RUNTIMES=deno,workerd measures some runtimes only. Writes test/bench/results-runtimes.md.
/* global fetch */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout, clearTimeout } from 'node:timers';
import { startFakeIssuer } from '@portcullis/testing';
import { run as runInProcess, setup as setupInProcess } from './runtimes/bench-app.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const testRoot = join(here, '..');
const require = createRequire(import.meta.url);
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 3 : 9;
/** Each case's batch is sized in the warm-up to take about this long, so the round trip weighs little. */
const BATCH_MS = QUICK ? 100 : 400;
const ALGS = ['RS256', 'ES256', 'EdDSA'];
const LIBS = ['portcullis', 'jose'];
const POOL = 64;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const say = (line) => process.stderr.write(`${line}\n`);

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/** CPU milliseconds (user + system, all threads) a process has used so far, from /proc (Linux). */
function procCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** The workerd process miniflare started (a child of this process). */
function workerdPid() {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'workerd' && ppid === process.pid) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

async function startProcess(runtime) {
  let binary;
  try {
    // The binary itself: killing node_modules/.bin's shell wrapper would orphan the runtime.
    binary = join(dirname(require.resolve(`${runtime}/package.json`)), runtime === 'bun' ? 'bin/bun.exe' : 'deno');
  } catch {
    return undefined;
  }
  if (!existsSync(binary)) return undefined;
  const entry = join(here, 'runtimes', 'serve.mjs');
  const args = runtime === 'bun' ? [entry] : ['run', '--quiet', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-sys', entry];
  const child = spawn(binary, args, { cwd: testRoot, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${runtime} did not start within 20 s`)), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.slice(0, out.indexOf('\n')));
      }
    });
    child.once('exit', (code) => reject(new Error(`${runtime} exited with ${code}`)));
  });
  const { port, runtime: version } = JSON.parse(line);
  return {
    version,
    fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
    cpuMs: () => procCpuMs(child.pid),
    close: async () => void child.kill(),
  };
}

async function startWorkerd() {
  let Miniflare, build;
  try {
    ({ Miniflare } = await import('miniflare'));
    ({ build } = await import('esbuild'));
  } catch {
    return undefined;
  }
  const bundle = await build({
    entryPoints: [join(here, 'runtimes', 'worker.mjs')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'import'],
    mainFields: ['module', 'main'],
    external: ['node:*', 'cloudflare:*'],
    logLevel: 'silent',
  });
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: bundle.outputFiles[0].text }],
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
  });
  await mf.ready;
  const workerdVersion = require(require.resolve('workerd/package.json', { paths: [dirname(require.resolve('miniflare'))] })).version;
  const pid = workerdPid();
  if (pid === undefined) throw new Error('the workerd process was not found among this process\'s children');
  return {
    version: `workerd ${workerdVersion}`,
    fetch: (path, init) => mf.dispatchFetch(`http://bench.test${path}`, init),
    cpuMs: () => procCpuMs(pid),
    close: () => mf.dispose(),
  };
}

/** Node: the same loop in this process, timed here too. */
function nodeHost(setupBody) {
  setupInProcess(setupBody);
  return {
    version: `node ${process.versions.node}`,
    fetch: async (path) => {
      const url = new URL(path, 'http://node.local');
      const result = await runInProcess(url.searchParams.get('lib'), url.searchParams.get('alg'), Number(url.searchParams.get('n')));
      return { json: async () => result };
    },
    cpuMs: () => {
      // This process's own CPU, threads included (jose's WebCrypto work runs on libuv's pool).
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1000;
    },
    close: async () => undefined,
  };
}

/** Wall and CPU milliseconds of one batch; the CPU is the runtime process's own. */
async function timeBatch(host, lib, alg, n) {
  const cpuBefore = host.cpuMs();
  const started = performance.now();
  const response = await host.fetch(`/run?lib=${lib}&alg=${alg}&n=${n}`);
  const result = await response.json();
  const ms = performance.now() - started;
  const cpu = host.cpuMs() - cpuBefore;
  if (result.passed !== n) throw new Error(`${lib} ${alg}: ${result.passed}/${n} passed${result.error ? ` (${result.error})` : ''}`);
  return { ms, cpu };
}

async function measure(name, host) {
  const emptyRtts = [];
  const emptyCpu = [];
  const empty = async () => {
    const { ms, cpu } = await timeBatch(host, 'none', 'RS256', 0);
    emptyRtts.push(ms);
    emptyCpu.push(cpu);
  };
  for (let i = 0; i < 5; i++) await empty();
  // Warm-up, the sanity check (a case whose tokens do not all verify is reported, not measured), and
  // the batch size of each case.
  const failed = {};
  const batch = {};
  for (const alg of ALGS) {
    for (const lib of LIBS) {
      try {
        await timeBatch(host, lib, alg, 100);
        const { ms } = await timeBatch(host, lib, alg, 200);
        const perOp = Math.max(0.001, (ms - median(emptyRtts)) / 200);
        batch[`${lib} ${alg}`] = Math.min(50_000, Math.max(100, Math.round(BATCH_MS / perOp)));
      } catch (error) {
        failed[alg] = error.message;
      }
    }
  }
  const samples = {};
  const cases = ALGS.filter((alg) => failed[alg] === undefined).flatMap((alg) => LIBS.map((lib) => [lib, alg]));
  for (let round = 0; round < ROUNDS; round++) {
    await empty();
    const order = cases.map((_, i) => cases[(i + round) % cases.length]);
    for (const [lib, alg] of order) (samples[`${lib} ${alg}`] ??= []).push(await timeBatch(host, lib, alg, batch[`${lib} ${alg}`]));
  }
  const rtt = median(emptyCpu);
  const rows = ALGS.map((alg) => {
    if (failed[alg] !== undefined) return { runtime: name, version: host.version, alg, failed: failed[alg] };
    const rates = (lib) => samples[`${lib} ${alg}`].map(({ cpu }) => batch[`${lib} ${alg}`] / (Math.max(1, cpu - rtt) / 1000));
    const ratios = rates('portcullis').map((rate, i) => rate / rates('jose')[i]);
    const rate = (lib) => median(rates(lib));
    return { runtime: name, version: host.version, alg, portcullis: rate('portcullis'), jose: rate('jose'), ratio: median(ratios) };
  });
  for (const row of rows.filter((r) => r.failed !== undefined)) say(`${row.version.padEnd(22)} ${row.alg.padEnd(6)} not measured: ${row.failed}`);
  for (const row of rows.filter((r) => r.failed === undefined)) say(`${row.version.padEnd(22)} ${row.alg.padEnd(6)} portcullis ${row.portcullis.toFixed(0).padStart(7)}/s  jose ${row.jose.toFixed(0).padStart(7)}/s  ratio ${row.ratio.toFixed(2)}`);
  return rows;
}

const loadAtStart = os.loadavg()[0];
const issuer = await startFakeIssuer();
const tokens = Object.fromEntries(ALGS.map((alg) => [alg, Array.from({ length: POOL }, (_, i) => issuer.mint({ sub: `user-${i}` }, { alg, lifetime: 3600 }))]));
const jwks = await (await fetch(issuer.jwksUri)).json();
const setupBody = { issuer: issuer.url, audience: issuer.audience, jwks, tokens };
await issuer.close();

const rows = [];
const starters = { node: async () => nodeHost(setupBody), bun: () => startProcess('bun'), deno: () => startProcess('deno'), workerd: startWorkerd };
const only = process.env.BENCH_RUNTIMES?.split(',').map((name) => name.trim());
for (const [name, start] of Object.entries(starters).filter(([name]) => only === undefined || only.includes(name))) {
  const host = await start();
  if (host === undefined) {
    say(`${name}: not installed, skipped`);
    continue;
  }
  try {
    if (name !== 'node') await (await host.fetch('/setup', { method: 'POST', body: JSON.stringify(setupBody), headers: { 'content-type': 'application/json' } })).json();
    rows.push(...(await measure(name, host)));
  } finally {
    await host.close();
  }
}

const lines = [
  '# Verification throughput per runtime',
  '',
  `\`node test/bench/runtimes.mjs\`${QUICK ? ' (BENCH_QUICK=1: a smoke run, not for comparison)' : ''}, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}).`,
  `Load average (1 min) at start ${loadAtStart.toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)}: above ~2, other work shares the CPUs and the figures are noise, not results.`,
  `${ROUNDS} interleaved rounds; each case's batch sized in the warm-up to take ~${BATCH_MS} ms; a pool of ${POOL} distinct tokens per algorithm; Portcullis's token cache off.`,
  'Rates are verifications per CPU-second of the runtime process (user + system, all its threads, from /proc or `process.cpuUsage()`), less the CPU of an empty batch (medians over rounds);',
  '`ratio` is the median over rounds of Portcullis/jose on the same runtime in the same round (above 1: Portcullis faster).',
  '',
  '| runtime | alg | Portcullis /s | jose jwtVerify /s | ratio |',
  '|---|---|--:|--:|--:|',
  ...rows.map((r) =>
    r.failed !== undefined
      ? `| ${r.version} | ${r.alg} | not measured: ${r.failed} | | |`
      : `| ${r.version} | ${r.alg} | ${r.portcullis.toFixed(0)} | ${r.jose.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
  ),
  '',
];
writeFileSync(join(here, 'results-runtimes.md'), lines.join('\n'));
say(`wrote ${join(here, 'results-runtimes.md')}`);
