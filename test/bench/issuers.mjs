// Issuer and tenant lookup cost per token, and memory, with 1, 100 and 10,000 issuers or tenants
// (issue 18). `pnpm build && node --expose-gc test/bench/issuers.mjs` (BENCH_QUICK=1 for a smoke run);
// prints a Markdown table. Nothing is asserted.
//
// HS256 tokens with the token cache off: each verify runs the whole path (parse, issuer lookup, HMAC,
// claims, AccessToken), and an HMAC is cheap enough (a few µs) for the lookup to show. Cases, side by
// side in interleaved rounds (medians of CPU time per token, ratio to the single exact issuer):
//   exact-1            one configured issuer (today's single-issuer case: the reference)
//   exact-100          100 configured issuers, tokens of the 100th
//   template-1         an Entra-style template `{tenantid}` with 1 allowed tenant
//   template-100       … 100 allowed tenants, tokens spread over all of them
//   template-10000     … 10,000 allowed tenants, tokens spread over all of them
//   template-any-10000 … tenants: 'any', tokens from 10,000 distinct tenants
// Then memory: heap (after gc) of a verifier with the token cache off that has verified tokens of
// 1, then 10,000 distinct tenants (no per-tenant state: flat), and with the token cache on (bounded
// by its own max). The fake issuer mints one HS256 token as a pattern; variants are signed here with
// node:crypto's HMAC (different tid, iss, sub and jti; same shape), as memory.mjs does.
import { Buffer } from 'node:buffer';
import { createHmac, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { createVerifier } from '@portcullis/core';
import { startFakeIssuer } from '@portcullis/testing';
import { hasTaskset, machine, median, say, spread } from './lib/common.mjs';

if (typeof globalThis.gc !== 'function') {
  process.stderr.write('issuers.mjs needs --expose-gc\n');
  process.exit(2);
}
if (hasTaskset()) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });

const QUICK = process.env.BENCH_QUICK === '1';
const POOL = QUICK ? 4_000 : 20_000;
const ROUNDS = QUICK ? 3 : 9;
const SLICE_MS = QUICK ? 150 : 400;
const SECRET = 'portcullis-benchmark-hmac-secret-0123456789abcdef';

const issuer = await startFakeIssuer({ tokenLifetime: 3600 });
const pattern = issuer.mint({ sub: 'user-0', scope: 'things:read' }, { alg: 'HS256', secret: SECRET });
const origin = issuer.url;
const audience = issuer.audience;
const jwksUri = issuer.jwksUri;
await issuer.close();

const [headerB64, payloadB64] = pattern.split('.');
const claims = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8'));
const b64 = (value) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function sign(payload) {
  const input = `${headerB64}.${b64(payload)}`;
  // Through a Buffer: a flat string, as a token read off a request is (a concatenation is a rope that
  // the verifier would flatten, and the heap would shrink while it does).
  return Buffer.from(`${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`, 'latin1').toString('latin1');
}

const template = `${origin}/{tenantid}/v2.0`;
const tenantIds = Array.from({ length: 10_000 }, () => randomUUID());
const now = Math.floor(Date.now() / 1000);

/** A pool of distinct tokens; `tenantOf(i)` gives each token's tenant, or undefined for `iss` itself. */
function pool(iss, tenantOf) {
  const tokens = [];
  for (let i = 0; i < POOL; i++) {
    const tid = tenantOf?.(i);
    const payload = { ...claims, iss: tid === undefined ? iss : template.replace('{tenantid}', tid), sub: `user-${i}`, jti: `t-${i}`, iat: now, exp: now + 3600 };
    if (tid !== undefined) payload.tid = tid;
    tokens.push(sign(payload));
  }
  return tokens;
}

const hmacIssuer = (iss, extra = {}) => ({ issuer: iss, jwksUri, secret: SECRET, audience, ...extra });

// Memory: the heap of a verifier after tokens of 1 and of 10,000 distinct tenants.
function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}
async function memoryOf(tokenCache) {
  const verifier = createVerifier({ issuer: hmacIssuer(template, { tenants: 'any' }), algorithms: ['HS256'], ...(tokenCache ? {} : { tokenCache: false }) });
  const oneTenant = pool(undefined, () => tenantIds[0]);
  const manyTenants = pool(undefined, (i) => tenantIds[i % 10_000]);
  const base = heap();
  for (const token of oneTenant) await verifier.verify(token);
  const afterOne = heap();
  for (const token of manyTenants) await verifier.verify(token);
  const afterMany = heap();
  // Both pools stay reachable until here, so that neither is collected between two readings.
  if (oneTenant.length + manyTenants.length !== 2 * POOL) throw new Error('pools changed');
  const { size } = verifier.stats().tokenCache;
  verifier.close();
  return { oneTenant: (afterOne - base) / 1024, manyTenants: (afterMany - base) / 1024, cacheSize: size };
}
// Measured first, before the timing cases leave garbage and compiled code behind.
const memoryOff = await memoryOf(false);
const memoryOn = await memoryOf(true);

const manyExact = Array.from({ length: 100 }, (_, i) => `${origin}/issuer-${i}`);

const CASES = [
  { id: 'exact-1', issuers: [hmacIssuer(origin)], tokens: () => pool(origin) },
  { id: 'exact-100', issuers: manyExact.map((iss) => hmacIssuer(iss)), tokens: () => pool(manyExact[99]) },
  { id: 'template-1', issuers: [hmacIssuer(template, { tenants: tenantIds.slice(0, 1) })], tokens: () => pool(undefined, () => tenantIds[0]) },
  { id: 'template-100', issuers: [hmacIssuer(template, { tenants: tenantIds.slice(0, 100) })], tokens: () => pool(undefined, (i) => tenantIds[i % 100]) },
  { id: 'template-10000', issuers: [hmacIssuer(template, { tenants: tenantIds })], tokens: () => pool(undefined, (i) => tenantIds[i % 10_000]) },
  { id: 'template-any-10000', issuers: [hmacIssuer(template, { tenants: 'any' })], tokens: () => pool(undefined, (i) => tenantIds[i % 10_000]) },
];

for (const c of CASES) {
  c.verifier = createVerifier({ issuer: c.issuers, tokenCache: false, algorithms: ['HS256'] });
  c.pool = c.tokens();
  // Sanity: a valid token passes (with the tenant for a template), a tampered one is refused.
  const auth = await c.verifier.verify(c.pool[1]);
  if (c.id.startsWith('template') && auth.tenant === undefined) throw new Error(`${c.id}: no tenant`);
  const tampered = c.pool[1].slice(0, -2) + (c.pool[1].endsWith('AA') ? 'BB' : 'AA');
  if (await c.verifier.verify(tampered).then(() => true, () => false)) throw new Error(`${c.id}: a tampered token passed`);
  c.samples = [];
  c.next = 0;
}

/** One slice of a case: distinct tokens in order, for SLICE_MS of CPU time; ns of CPU per token. */
async function slice(c) {
  const start = process.cpuUsage();
  const deadline = performance.now() + SLICE_MS;
  let count = 0;
  while (performance.now() < deadline) {
    for (let k = 0; k < 256; k++) {
      // Settled synchronously (HS256, no validate): the await costs a microtask, the same in every case.
      await c.verifier.verify(c.pool[c.next]);
      c.next = (c.next + 1) % c.pool.length;
    }
    count += 256;
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / count;
}

say(`issuer lookup: ${CASES.length} cases, ${ROUNDS} rounds of ${SLICE_MS} ms, pools of ${POOL} distinct HS256 tokens`);
// A warm-up round, not counted: every case compiled before the first measured slice.
for (const c of CASES) await slice(c);
for (let round = 0; round < ROUNDS; round++) {
  // Rotated each round, so that drift on a shared machine lands on every case alike.
  for (let j = 0; j < CASES.length; j++) {
    const c = CASES[(round + j) % CASES.length];
    c.samples.push(await slice(c));
  }
}
const reference = median(CASES[0].samples);

for (const c of CASES) c.verifier.close();

const facts = machine();
const lines = [
  `Issuer and tenant lookup, ${new Date().toISOString()}, ${facts.nproc} CPUs, ${facts.cpuModel}, Node ${facts.node}${QUICK ? ' (BENCH_QUICK=1)' : ''}`,
  '',
  '| case | CPU ns per token (median) | spread | ratio to exact-1 |',
  '|---|---:|---:|---:|',
  ...CASES.map((c) => {
    const m = median(c.samples);
    return `| ${c.id} | ${m.toFixed(0)} | ${spread(c.samples).toFixed(0)}% | ${(m / reference).toFixed(3)} |`;
  }),
  '',
  `Heap growth (KiB, after gc) of one verifier with tenants: 'any', ${POOL} distinct tokens each:`,
  '',
  '| token cache | after tokens of 1 tenant | after tokens of 10,000 more tenants | cache entries |',
  '|---|---:|---:|---:|',
  `| off | ${memoryOff.oneTenant.toFixed(0)} | ${memoryOff.manyTenants.toFixed(0)} | ${memoryOff.cacheSize} |`,
  `| on (default max 10,000) | ${memoryOn.oneTenant.toFixed(0)} | ${memoryOn.manyTenants.toFixed(0)} | ${memoryOn.cacheSize} |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
