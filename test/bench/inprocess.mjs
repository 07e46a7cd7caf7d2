// In-process verification, one core: every case runs for a short slice in every round, in a rotated
// order, and the median of the rounds is reported. Run by run.mjs (pinned to one CPU when taskset
// works); argument: the run's work directory (tokens.json in, inprocess.json out).
import { Buffer } from 'node:buffer';
import { verify as cryptoVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { createVerifier as createPortcullisVerifier } from '@portcullis/core';
import { createLocalJWKSet, importJWK, jwtVerify } from 'jose';
import { JwtVerifier as AwsJwtVerifier } from 'aws-jwt-verify';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import { ALGS, CONFIG, cpuBusySeconds, hasTaskset, cryptoParams, keyForAlg, median, readJson, say, splitToken, spread, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
// CommonJS with named exports; through require so the ESM/CJS interop of its bundle is not in question.
const { auth: auth0Middleware } = require('express-oauth2-jwt-bearer');

const dir = process.argv[2];
const setup = readJson(join(dir, 'tokens.json'));
const { issuer, audience, jwksUri, jwks } = setup;

/**
 * A loop compiled for each case, so one case's call-site feedback does not slow another: with one
 * shared loop, the \`fn(...)\` call site turns megamorphic and each case pays for the others. The
 * source differs per case (a comment naming it), so V8's compilation cache cannot hand two cases the
 * same function (and with it the same feedback).
 */
const AsyncFunction = (async () => {}).constructor;
const ASYNC_LOOP = `
  let i = state.i, ops = 0, t;
  const n = tokens.length, t0 = performance.now(), end = t0 + ms;
  do {
    for (let k = 0; k < 32; k++) { await fn(tokens[i]); if (++i === n) i = 0; }
    ops += 32;
  } while ((t = performance.now()) < end);
  state.i = i;
  return { ops, wallMs: t - t0 };`;
const SYNC_LOOP = ASYNC_LOOP.replace('await fn', 'fn');

function loopFor(sync, name) {
  const source = `// case ${name}\n${sync ? SYNC_LOOP : ASYNC_LOOP}`;
  return sync ? new Function('fn', 'tokens', 'state', 'ms', source) : new AsyncFunction('fn', 'tokens', 'state', 'ms', source);
}

/**
 * A fresh copy of a token's text for every call, as HTTP gives: each request's header is a new string,
 * whose hash V8 computes again on the first Map lookup. The copy (a latin1 decode of a Buffer) is
 * part of what the case measures, the same in every case that uses it.
 */
function freshStrings(token) {
  const bytes = Buffer.from(token, 'latin1');
  return { bytes, text: () => bytes.latin1Slice(0, bytes.length) };
}

/** Flips one character in the middle of the signature: a token every verifier must refuse. */
function tamper(token) {
  const at = token.lastIndexOf('.') + 10;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

async function rejects(fn, input) {
  try {
    await fn(input);
    return false;
  } catch {
    return true;
  }
}

async function buildCases(alg) {
  const pool = setup.tokens[alg];
  const repeated = [pool[0]];
  const { jwk, keyObject } = keyForAlg(jwks, alg);
  const cases = [];
  const add = (spec) => cases.push({ alg, ...spec });

  // The limit: crypto.verify alone, on a KeyObject imported once, over already split and decoded tokens.
  const { digest, key } = cryptoParams(alg, keyObject);
  const pairs = pool.map(splitToken);
  add({
    id: 'raw',
    label: 'raw `crypto.verify` (pre-imported KeyObject, pre-decoded input)',
    sync: true,
    tokens: pairs,
    fn: (p) => {
      if (!cryptoVerify(digest, p.input, key, p.signature)) throw new Error('bad signature');
    },
    rejectInput: splitToken(tamper(pool[0])),
  });

  // The floor for any verifier that reads the claims: what no library can skip, by hand, with no check
  // of any claim. Portcullis's rows are best read against these as well as against raw.
  const floor = (t) => {
    const first = t.indexOf('.');
    const last = t.lastIndexOf('.');
    const claims = JSON.parse(Buffer.from(t.slice(first + 1, last), 'base64url').toString('utf8'));
    if (!cryptoVerify(digest, Buffer.from(t.slice(0, last), 'latin1'), key, Buffer.from(t.slice(last + 1), 'base64url'))) throw new Error('bad signature');
    return claims;
  };
  add({ id: 'floor', label: 'hand-rolled floor (sync)', sync: true, tokens: pool, fn: floor });
  add({ id: 'floor-await', label: 'hand-rolled floor behind one await', tokens: pool, fn: async (t) => floor(t) });

  const portcullisOptions = { issuer, audience, jwksUri };
  const { distinctCacheMax } = CONFIG;
  const cached = createPortcullisVerifier({ ...portcullisOptions, ...(distinctCacheMax === undefined ? {} : { tokenCache: { max: distinctCacheMax } }) });
  const uncached = createPortcullisVerifier({ ...portcullisOptions, tokenCache: false });
  const repeatedVerifier = createPortcullisVerifier(portcullisOptions);
  const hasTokenCache = cached.stats().tokenCache !== undefined;
  // Full of other tokens first: a token cache that is not full admits every verified token, so cycling
  // through the pool would make the second pass hit. With a full one, a token seen once is not cached.
  for (const filler of setup.fillers ?? []) await cached.verify(filler);
  add({
    id: 'portcullis-distinct',
    verifier: cached,
    label:
      distinctCacheMax === undefined
        ? `Portcullis core, distinct tokens (default options${hasTokenCache ? ': token cache on, every lookup a miss' : ''})`
        : `Portcullis core, distinct tokens (\`tokenCache: { max: ${distinctCacheMax} }\`, every lookup a miss)`,
    tokens: pool,
    fn: (t) => cached.verify(t),
  });
  if (hasTokenCache) {
    add({ id: 'portcullis-distinct-nocache', label: 'Portcullis core, distinct tokens, `tokenCache: false`', tokens: pool, fn: (t) => uncached.verify(t) });
  }
  add({
    id: 'portcullis-repeated',
    label: `Portcullis core, repeated token${hasTokenCache ? ' (token cache hit)' : ' (no token cache in core yet)'}`,
    tokens: repeated,
    fn: (t) => repeatedVerifier.verify(t),
  });
  const fresh = freshStrings(pool[0]);
  const freshVerifier = createPortcullisVerifier(portcullisOptions);
  add({
    id: 'portcullis-repeated-fresh',
    label: 'Portcullis core, same token, a fresh string per call (token cache hit)',
    tokens: [fresh.bytes],
    fn: () => freshVerifier.verify(fresh.text()),
    rejectInput: Buffer.from(tamper(pool[0]), 'latin1'),
    rejectFn: (bytes) => freshVerifier.verify(bytes.latin1Slice(0, bytes.length)),
  });

  const localJwks = createLocalJWKSet(jwks);
  const joseOptions = { issuer, audience, algorithms: [alg] };
  add({ id: 'jose-jwks', label: 'jose `jwtVerify` + `createLocalJWKSet`', tokens: pool, fn: (t) => jwtVerify(t, localJwks, joseOptions) });
  const joseKey = await importJWK(jwk, alg);
  add({ id: 'jose-key', label: 'jose `jwtVerify` + `importJWK` key', tokens: pool, fn: (t) => jwtVerify(t, joseKey, joseOptions) });

  const aws = AwsJwtVerifier.create({ issuer, audience, jwksUri });
  aws.cacheJwks(jwks);
  add({ id: 'aws', label: 'aws-jwt-verify `JwtVerifier.verify` (`cacheJwks`)', tokens: pool, fn: (t) => aws.verify(t) });

  const pem = keyObject.export({ type: 'spki', format: 'pem' });
  const fastOptions = { key: pem, algorithms: [alg], allowedIss: issuer, allowedAud: audience };
  const fastNoCache = createFastJwtVerifier(fastOptions);
  const fastCache = createFastJwtVerifier({ ...fastOptions, cache: true });
  add({ id: 'fast-jwt', label: 'fast-jwt `createVerifier` (static key, no cache)', sync: true, tokens: pool, fn: (t) => fastNoCache(t) });
  add({ id: 'fast-jwt-cache-hit', label: 'fast-jwt `createVerifier` (static key, `cache: true`), repeated token', sync: true, tokens: repeated, fn: (t) => fastCache(t) });
  const fastFreshCache = createFastJwtVerifier({ ...fastOptions, cache: true });
  add({
    id: 'fast-jwt-cache-hit-fresh',
    label: 'fast-jwt `createVerifier` (static key, `cache: true`), same token, a fresh string per call',
    sync: true,
    tokens: [fresh.bytes],
    fn: () => fastFreshCache(fresh.text()),
    rejectInput: Buffer.from(tamper(pool[0]), 'latin1'),
    rejectFn: (bytes) => fastFreshCache(bytes.latin1Slice(0, bytes.length)),
  });

  // No `jwtVerifier` export in express-oauth2-jwt-bearer 1.x: its `auth()` middleware is driven with a
  // minimal request object, so this case includes its bearer extraction and DPoP/challenge plumbing.
  const middleware = auth0Middleware({ issuer, audience, jwksUri, tokenSigningAlg: alg });
  const req = {
    headers: { host: '127.0.0.1', authorization: '' },
    query: {},
    body: undefined,
    method: 'GET',
    protocol: 'http',
    url: '/api',
    originalUrl: '/api',
    is: () => false,
    get(name) {
      return this.headers[name.toLowerCase()];
    },
  };
  add({
    id: 'auth0',
    label: 'express-oauth2-jwt-bearer `auth()` middleware, driven in-process (JWKS over loopback, warmed)',
    tokens: pool,
    fn: (t) =>
      new Promise((resolve, reject) => {
        req.headers.authorization = `Bearer ${t}`;
        req.auth = undefined;
        void middleware(req, {}, (error) => (error === undefined ? resolve(req.auth) : reject(error instanceof Error ? error : new Error('refused'))));
      }),
  });

  // Warm every JWKS cache, and check each case accepts a good token and refuses a tampered one: a case
  // that accepts everything would measure nothing.
  for (const c of cases) {
    c.loop = loopFor(c.sync === true, `${c.alg} ${c.id}`);
    c.state = { i: 0 };
    c.samples = [];
    c.wallSamples = [];
    c.shares = [];
    c.others = [];
    c.pairedRatios = [];
    try {
      await c.fn(c.tokens[0]);
      if (!(await rejects(c.rejectFn ?? c.fn, c.rejectInput ?? tamper(c.tokens[0])))) c.error = 'accepted a tampered token';
    } catch (error) {
      c.error = `refused a valid token: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { cases, hasTokenCache };
}

const { rounds, sliceMs, warmupMs } = CONFIG.inprocess;
const pinned = hasTaskset();
const all = [];
let hasTokenCache = false;
for (const alg of ALGS) {
  const built = await buildCases(alg);
  hasTokenCache = built.hasTokenCache;
  all.push(...built.cases);
}
// BENCH_CASES=raw,fast-jwt,…: only these cases (by id), for quick comparisons while working.
const onlyCases = process.env.BENCH_CASES?.split(',').map((id) => id.trim());
const runnable = all.filter((c) => c.error === undefined && (onlyCases === undefined || onlyCases.includes(c.id)));
for (const c of all.filter((x) => x.error !== undefined)) say(`  in-process: ${c.alg} ${c.id} skipped: ${c.error}`);

const rawByAlg = new Map(runnable.filter((c) => c.id === 'raw').map((c) => [c.alg, c]));

/** One measured slice of a case; its rates go to the case's samples. Returns ops per CPU-second. */
async function slice(c) {
  const busyBefore = cpuBusySeconds(0);
  const cpu0 = process.cpuUsage();
  const { ops, wallMs } = await c.loop(c.fn, c.tokens, c.state, sliceMs);
  const cpu = process.cpuUsage(cpu0);
  const busyAfter = cpuBusySeconds(0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (pinned && busyBefore !== undefined) c.others.push((busyAfter - busyBefore - cpuMs / 1000) / (wallMs / 1000));
  // Per CPU-second of this process (pinned to one CPU): what one otherwise idle core would do. The
  // machine may be shared, so wall-clock rates are kept too, with the share of the CPU the process got.
  const rate = ops / (cpuMs / 1000);
  c.samples.push(rate);
  c.wallSamples.push(ops / (wallMs / 1000));
  c.shares.push(cpuMs / wallMs);
  return rate;
}

// Warm-up round, not counted: JIT and caches settle before anything is recorded.
for (const c of runnable) await c.loop(c.fn, c.tokens, c.state, warmupMs);
// Token cache hits and misses over the measured rounds, for the cases that show them.
for (const c of runnable) c.cacheBefore = c.verifier?.stats().tokenCache;
for (let round = 0; round < rounds; round++) {
  const offset = (round * 7) % runnable.length;
  const order = [...runnable.slice(offset), ...runnable.slice(0, offset)];
  for (const c of order) {
    // Paired: the raw case of the same algorithm runs right before each other case, and the case's
    // ratio is taken against that slice. A virtual machine's speed drifts by several per cent from
    // second to second; two adjacent slices see the same drift, so the ratio does not.
    const raw = c.id === 'raw' ? undefined : rawByAlg.get(c.alg);
    const rawOps = raw === undefined ? undefined : await slice(raw);
    const ops = await slice(c);
    if (rawOps !== undefined) c.pairedRatios.push(ops / rawOps);
  }
  say(`  in-process round ${round + 1}/${rounds} done`);
}

const results = all.filter((c) => onlyCases === undefined || onlyCases.includes(c.id)).map((c) => ({
  alg: c.alg,
  id: c.id,
  label: c.label,
  distinctTokens: c.tokens.length,
  error: c.error,
  opsPerSec: c.error === undefined ? median(c.samples) : NaN,
  // Median of the per-slice ratios to the raw slice just before (see the round loop); raw itself has none.
  pairedRatio: c.error === undefined && c.pairedRatios.length > 0 ? median(c.pairedRatios) : undefined,
  pairedSpreadPct: c.error === undefined && c.pairedRatios.length > 0 ? spread(c.pairedRatios) : undefined,
  spreadPct: c.error === undefined ? spread(c.samples) : NaN,
  wallOpsPerSec: c.error === undefined ? median(c.wallSamples) : NaN,
  cpuShare: c.error === undefined ? median(c.shares) : NaN,
  otherOnCpu0: c.error === undefined ? median(c.others) : NaN,
  ...(c.cacheBefore === undefined
    ? {}
    : (() => {
        const after = c.verifier.stats().tokenCache;
        return { cacheHits: after.hits - c.cacheBefore.hits, cacheMisses: after.misses - c.cacheBefore.misses, cacheSize: after.size };
      })()),
  samples: c.samples,
}));
writeJson(join(dir, 'inprocess.json'), { rounds, sliceMs, poolSize: setup.tokens.RS256.length, hasTokenCache, results });
process.exit(0);
