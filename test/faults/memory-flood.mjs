// Memory under a flood of invalid tokens (issue #5): 1,000,000 distinct tokens that must all be
// refused (a third malformed, a third with a known kid but a bad signature, a third from an issuer
// that is not trusted) go through one verifier; the heap must end where it started. Refused tokens are
// never cached, and nothing per token (error, event, counter) may be retained.
//
//   pnpm build && node --expose-gc test/faults/memory-flood.mjs [count]
//
// Prints the figures; exits 1 if the heap grew by more than 16 MiB or a token was not refused. Not a
// vitest test: it takes tens of seconds and measures, it does not time.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { createVerifier } from '@portcullis/core';
import { startFakeIssuer } from '@portcullis/testing';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1_000;
const GROWTH_LIMIT = 16 * 1024 * 1024;

if (typeof globalThis.gc !== 'function') {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}
const gc = globalThis.gc;
const print = (line) => process.stdout.write(`${line}\n`);
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
function heap() {
  gc();
  gc();
  return process.memoryUsage();
}

const issuer = await startFakeIssuer();
const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
let rejectedEvents = 0;
verifier.on('token_rejected', () => {
  rejectedEvents += 1;
});
await verifier.verify(issuer.mint()); // warm: keys fetched and cached

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const knownHeader = b64({ alg: 'RS256', typ: 'at+jwt', kid: issuer.currentKid('RS256') });
const exp = Math.floor(Date.now() / 1000) + 3_600;
// One random signature of the right size, varied per token by its first bytes: RSA verification runs
// in full for each bad-signature token.
const signature = randomBytes(256);

/** The i-th token of the flood; every one distinct. */
function token(i) {
  switch (i % 3) {
    case 0:
      return `malformed-${i}.${'x'.repeat(i % 50)}`;
    case 1: {
      signature.writeUInt32BE(i, 0);
      const payload = b64({ iss: issuer.url, aud: issuer.audience, exp, sub: 'flood', jti: `bad-signature-${i}` });
      return `${knownHeader}.${payload}.${signature.toString('base64url')}`;
    }
    default: {
      const payload = b64({ iss: 'https://untrusted.example/', aud: issuer.audience, exp, jti: `unknown-iss-${i}` });
      return `${knownHeader}.${payload}.${signature.toString('base64url')}`;
    }
  }
}

let passed = 0;
let i = 0;
async function flood(count) {
  const end = i + count;
  while (i < end) {
    const batch = [];
    for (let j = 0; j < BATCH && i < end; j++, i++) {
      batch.push(verifier.verify(token(i)).then(() => (passed += 1), () => undefined));
    }
    await Promise.all(batch);
  }
}

await flood(Math.min(30_000, TOTAL)); // JIT, inline caches, the V8 heap's own growth
const before = heap();
const started = performance.now();
const checkpoints = [];
while (i < TOTAL) {
  await flood(Math.min(TOTAL / 10, TOTAL - i));
  const { heapUsed, rss } = heap();
  checkpoints.push({ tokens: i, heapUsed, rss });
}
const seconds = (performance.now() - started) / 1000;
const after = heap();
const stats = verifier.stats();
verifier.close();
await issuer.close();

const growth = after.heapUsed - before.heapUsed;
print(`memory flood: ${i.toLocaleString('en')} distinct invalid tokens through one verifier (node ${process.version})`);
print(`  heapUsed before ${mib(before.heapUsed)}, after ${mib(after.heapUsed)}, growth ${mib(growth)}`);
print(`  rss before ${mib(before.rss)}, after ${mib(after.rss)}; external after ${mib(after.external)}`);
print(`  heapUsed at checkpoints: ${checkpoints.map((c) => `${(c.tokens / 1000).toFixed(0)}k ${mib(c.heapUsed)}`).join(', ')}`);
print(`  rss at checkpoints: ${checkpoints.map((c) => `${(c.tokens / 1000).toFixed(0)}k ${mib(c.rss)}`).join(', ')}`);
print(`  ${Math.round((i - 30_000) / seconds).toLocaleString('en')} tokens/s measured; passed ${passed}; token_rejected events ${rejectedEvents}`);
print(`  rejected by reason: ${JSON.stringify(stats.rejectedByReason)}; token cache size ${stats.tokenCache.size}; JWKS fetches ${stats.issuers[issuer.url]?.fetches}`);
const ok = passed === 0 && growth < GROWTH_LIMIT && stats.tokenCache.size <= 1;
print(ok ? '  OK: heap flat, every token refused' : `  FAIL: growth limit ${mib(GROWTH_LIMIT)}, tokens passed ${passed}`);
process.exitCode = ok ? 0 : 1;
