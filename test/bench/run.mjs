// `pnpm bench`: Portcullis against its peers, in one run. Mints the token pools once with the fake
// issuer, runs each phase in its own process (pinned with taskset where that helps), then writes
// test/bench/results.md and prints it. BENCH_QUICK=1: a ~2 minute smoke run. BENCH_ONLY=a,b runs some
// phases only (inprocess, http, jwks, memory) and still writes the report, with the others left out.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { startFakeIssuer } from '@portcullis/testing';
import { ALGS, CONFIG, QUICK, machine, nodeCommand, readJson, say, writeJson } from './lib/common.mjs';
import { renderReport } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PHASES = ['inprocess', 'http', 'jwks', 'memory'];
const only = process.env.BENCH_ONLY === undefined ? PHASES : process.env.BENCH_ONLY.split(',').map((s) => s.trim());

function runChild(script, args, cpu, nodeFlags = []) {
  const [command, argv] = nodeCommand(join(here, script), args, cpu, nodeFlags);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code ?? signal}`))));
  });
}

/** The commit measured, and whether the packages had uncommitted changes (the build is of the working tree). */
function gitState() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../../packages'], { cwd: here, encoding: 'utf8' }).trim();
    return { head, dirtyPackages: dirty === '' ? 0 : dirty.split('\n').length };
  } catch {
    return undefined;
  }
}

const started = Date.now();
const dir = mkdtempSync(join(os.tmpdir(), 'portcullis-bench-'));
const info = {
  machine: machine(),
  date: new Date().toISOString(),
  git: gitState(),
  quick: QUICK,
  config: CONFIG,
  load: { start: os.loadavg()[0] },
  phases: {},
  errors: [],
};
say(`Portcullis benchmark${QUICK ? ' (BENCH_QUICK=1 smoke run)' : ''}: ${info.machine.nproc} CPUs, ${info.machine.cpuModel}, Node ${info.machine.node}`);
if (!info.machine.taskset) say('  taskset not usable (or fewer than 2 CPUs): processes run unpinned; the report says so.');

// Tokens live longer than the run; the pools are shared by the in-process and HTTP phases.
const issuer = await startFakeIssuer({ tokenLifetime: 6 * 3600 });
try {
  if (only.includes('inprocess') || only.includes('http')) {
    const mintStarted = Date.now();
    const tokens = {};
    for (const alg of ALGS) {
      tokens[alg] = [];
      for (let i = 0; i < CONFIG.poolSize; i++) tokens[alg].push(issuer.mint({ sub: `user-${i}`, scope: 'things:read things:write' }, { alg }));
      say(`  minted ${CONFIG.poolSize} ${alg} tokens with the fake issuer`);
    }
    // Valid tokens of the same issuer that no case measures: they fill Portcullis's token cache before a
    // distinct-token case runs, so that its lookups all miss a full cache, as in a long-running server.
    const fillers = [];
    for (let i = 0; i < (CONFIG.distinctCacheMax ?? 10_000); i++) fillers.push(issuer.mint({ sub: `filler-${i}`, scope: 'things:read' }, { alg: 'ES256' }));
    say(`  minted ${fillers.length} ES256 filler tokens`);
    const jwks = await (await globalThis.fetch(issuer.jwksUri)).json();
    writeJson(join(dir, 'tokens.json'), { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, jwks, tokens, fillers, distinctCacheMax: CONFIG.distinctCacheMax });
    info.phases.mint = (Date.now() - mintStarted) / 1000;
  }

  for (const phase of PHASES) {
    if (!only.includes(phase)) continue;
    const phaseStarted = Date.now();
    say(`phase ${phase}…`);
    try {
      if (phase === 'inprocess') await runChild('inprocess.mjs', [dir], 0);
      else if (phase === 'http') await runChild('http.mjs', [dir], 1);
      else if (phase === 'jwks') await runChild('jwks.mjs', [dir]);
      else await runChild('memory.mjs', [dir], undefined, ['--expose-gc']);
      info[phase] = readJson(join(dir, `${phase}.json`));
    } catch (error) {
      info.errors.push(`${phase}: ${error instanceof Error ? error.message : String(error)}`);
      say(`  phase ${phase} failed: ${String(error)}`);
    }
    info.phases[phase] = (Date.now() - phaseStarted) / 1000;
  }
} finally {
  await issuer.close();
}

info.totalSeconds = (Date.now() - started) / 1000;
info.load.end = os.loadavg()[0];
const markdown = renderReport(info);
writeFileSync(join(here, 'results.md'), markdown);
// The raw numbers (every round's sample), for comparing runs.
writeFileSync(join(here, 'results.json'), `${JSON.stringify(info, null, 1)}\n`);
process.stdout.write(`\n${markdown}`);
say(`\nwrote test/bench/results.md in ${(info.totalSeconds / 60).toFixed(1)} min`);
rmSync(dir, { recursive: true, force: true });
if (info.errors.length > 0) process.exitCode = 1;
