// Heap growth of one verifier after 1,000,000 distinct valid tokens (token cache on: bounded by its
// size; off: flat) and after 1,000,000 distinct invalid tokens (flat). Needs --expose-gc:
// `pnpm bench:memory`, or run by `pnpm bench` (argument: the run's work directory, memory.json out).
//
// Minting 2 M tokens with the fake issuer would take minutes (~50 µs each for HS256), so the fake
// issuer mints one HS256 token as a template and this script signs variants of it (a different jti
// and sub each) with node:crypto's HMAC: same header, same claims shape, same size.
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { createVerifier } from '@portcullis/core';
import { startFakeIssuer } from '@portcullis/testing';
import { CONFIG, QUICK, say, writeJson } from './lib/common.mjs';

if (typeof globalThis.gc !== 'function') {
  process.stderr.write('memory.mjs needs --expose-gc (pnpm bench:memory passes it)\n');
  process.exit(2);
}

const dir = process.argv[2];
const total = CONFIG.memory.tokens;
const SAMPLE_EVERY = total / 10;
const SECRET = 'portcullis-benchmark-hmac-secret-0123456789abcdef';
const WRONG_SECRET = 'not-the-benchmark-hmac-secret-0123456789abcdef!!';

const issuer = await startFakeIssuer({ tokenLifetime: 3600 });
const template = issuer.mint({ sub: 'user-0' }, { alg: 'HS256', secret: SECRET });
const iss = issuer.url;
const audience = issuer.audience;
await issuer.close();

const [headerB64, payloadB64] = template.split('.');
const claims = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8'));
const encoder = (value) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** The i-th distinct token of a kind; every invalid kind fails a different check. */
function token(i, kind) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { ...claims, sub: `user-${i}`, jti: `${kind}-${i}`, iat: now, exp: now + 3600 };
  let secret = SECRET;
  switch (kind) {
    case 'valid':
      break;
    case 'invalid':
      switch (i % 4) {
        case 0:
          secret = WRONG_SECRET; // bad signature
          break;
        case 1:
          payload.exp = now - 3600; // expired
          payload.iat = now - 7200;
          break;
        case 2:
          payload.aud = `https://other-${i}.example.com`; // wrong audience
          break;
        default:
          return `${headerB64}.${encoder(payload)}`.slice(0, 40 + (i % 200)) + '#'; // malformed
      }
      break;
    default:
      throw new Error(kind);
  }
  const input = `${headerB64}.${encoder(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function heapMiB() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function scenario(name, kind, options) {
  const make = () => createVerifier({ issuer: iss, audience, secret: SECRET, algorithms: ['HS256'], ...options });
  // Warm-up on a throwaway verifier: code and inline caches settle; the measured verifier starts empty,
  // so its growth includes filling the token cache.
  const warm = make();
  for (let i = 0; i < 20_000; i++) await warm.verify(token(-1 - i, kind)).catch(() => undefined);
  warm.close();
  const verifier = make();
  const baseline = heapMiB();
  const series = [];
  let accepted = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    try {
      await verifier.verify(token(i, kind));
      accepted++;
    } catch {
      // refused, as intended for the invalid kind
    }
    if ((i + 1) % SAMPLE_EVERY === 0) series.push(Math.round((heapMiB() - baseline) * 10) / 10);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = heapMiB();
  const stats = verifier.stats();
  verifier.close();
  const result = {
    name,
    kind,
    tokens: total,
    accepted,
    baselineMiB: baseline,
    afterMiB: after,
    growthMiB: after - baseline,
    seriesMiB: series,
    tokenCacheSize: stats.tokenCache?.size,
    seconds,
  };
  say(`  memory: ${name}: +${result.growthMiB.toFixed(1)} MiB after ${total} tokens (${accepted} accepted, cache size ${result.tokenCacheSize ?? '—'}, ${seconds.toFixed(1)} s)`);
  return result;
}

const hasTokenCache = createVerifier({ issuer: iss, audience, secret: SECRET, algorithms: ['HS256'] }).stats().tokenCache !== undefined;
const results = [];
results.push(await scenario('valid, distinct, default options (token cache on, max 10,000)', 'valid', {}));
results.push(await scenario('valid, distinct, `tokenCache: false`', 'valid', { tokenCache: false }));
results.push(await scenario('invalid, distinct (bad signature / expired / wrong aud / malformed)', 'invalid', {}));

const output = { tokens: total, quick: QUICK, hasTokenCache, rssMiB: process.memoryUsage().rss / 2 ** 20, results };
if (dir !== undefined) writeJson(join(dir, 'memory.json'), output);
process.exit(0);
