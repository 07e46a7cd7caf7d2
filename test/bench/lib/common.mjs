// Shared helpers of the benchmark scripts: configuration, machine facts, statistics, token handling.
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import { setTimeout } from 'node:timers';

export const QUICK = process.env.BENCH_QUICK === '1';

/** Every knob of a run; BENCH_QUICK=1 shrinks them to a ~2 minute smoke run. */
export const CONFIG = QUICK
  ? {
      poolSize: 2_000,
      // The pool is smaller than the default token cache (10,000): distinct-token cases get a cache of
      // half the pool, so that cycling through the pool still misses every time.
      distinctCacheMax: 1_000,
      inprocess: { rounds: 3, sliceMs: 60, warmupMs: 100 },
      http: { rounds: 1, serverWarmupSec: 0.5, warmupSec: 0.3, measureSec: 1, connections: 32 },
      jwks: { concurrent: 1_000, unknownKids: 1_000, deadlineSec: 3 },
      memory: { tokens: 100_000 },
    }
  : {
      // Twice the default token cache (10,000 tokens): cycling through the pool misses every time.
      poolSize: 20_000,
      distinctCacheMax: undefined,
      inprocess: { rounds: 12, sliceMs: 150, warmupMs: 300 },
      http: { rounds: 7, serverWarmupSec: 1.5, warmupSec: 0.4, measureSec: 2, connections: 32 },
      jwks: { concurrent: 1_000, unknownKids: 1_000, deadlineSec: 10 },
      memory: { tokens: 1_000_000 },
    };

/** BENCH_ALGS=RS256 measures some algorithms only (for quick comparisons; the report leaves the rest out). */
export const ALGS = process.env.BENCH_ALGS === undefined ? ['RS256', 'ES256', 'EdDSA'] : process.env.BENCH_ALGS.split(',').map((s) => s.trim());

/** Writes a line to stdout (the lint config keeps console.log out of the code base). */
export function say(line = '') {
  process.stdout.write(`${line}\n`);
}

/** Whether processes can be pinned to CPUs 0 and 1 (counts every CPU, not only this process's affinity). */
export function hasTaskset() {
  try {
    execFileSync('taskset', ['-c', '0,1', 'true'], { stdio: 'ignore' });
    return os.cpus().length >= 2;
  } catch {
    return false;
  }
}

/** `[command, args]` running `node script` pinned to `cpu` when taskset works, unpinned otherwise. */
export function nodeCommand(script, args, cpu, nodeFlags = []) {
  if (cpu !== undefined && hasTaskset()) return ['taskset', ['-c', String(cpu), process.execPath, ...nodeFlags, script, ...args]];
  return [process.execPath, [...nodeFlags, script, ...args]];
}

export function machine() {
  let cpuModel = 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line !== undefined) cpuModel = line.split(':')[1].trim();
  } catch {
    cpuModel = os.cpus()[0]?.model ?? 'unknown';
  }
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // os.availableParallelism() stands in.
  }
  return {
    nproc,
    cpuModel,
    node: process.version,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    taskset: hasTaskset(),
  };
}

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Spread of the rounds: (max − min) / median, as a percentage. */
export function spread(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return 0;
  return ((Math.max(...finite) - Math.min(...finite)) / median(finite)) * 100;
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function writeJson(path, value) {
  writeFileSync(path, JSON.stringify(value));
}

/** A token split the way a verifier sees it: the signing input and the decoded signature. */
export function splitToken(token) {
  const last = token.lastIndexOf('.');
  return { input: Buffer.from(token.slice(0, last), 'latin1'), signature: Buffer.from(token.slice(last + 1), 'base64url') };
}

export function headerOf(token) {
  return JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
}

/** The public KeyObject of the JWKS entry that signs tokens of `alg`. */
export function keyForAlg(jwks, alg) {
  const jwk = jwks.keys.find((k) => k.alg === alg);
  if (jwk === undefined) throw new Error(`no ${alg} key in the JWKS`);
  return { jwk, keyObject: createPublicKey({ key: jwk, format: 'jwk' }) };
}

/** Arguments of `crypto.verify` for a JWS algorithm (RFC 7518 §3). */
export function cryptoParams(alg, keyObject) {
  switch (alg) {
    case 'RS256':
      return { digest: 'sha256', key: keyObject };
    case 'ES256':
      return { digest: 'sha256', key: { key: keyObject, dsaEncoding: 'ieee-p1363' } };
    case 'EdDSA':
      return { digest: null, key: keyObject };
    default:
      throw new Error(`unsupported alg ${alg}`);
  }
}

let clockTicks;
/**
 * Busy seconds of one CPU so far, from /proc/stat (everything but idle and iowait); undefined where
 * there is no /proc. Lets a measurement tell how much of its CPU went to other processes.
 */
export function cpuBusySeconds(cpu) {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${cpu} `));
    if (line === undefined) return undefined;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    return (total - ticks[3] - ticks[4]) / clockTicks;
  } catch {
    return undefined;
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
