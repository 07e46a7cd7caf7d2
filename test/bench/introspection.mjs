// Introspection benchmark (issue #8): Portcullis's own CPU per request on the opaque-token path, on an
// introspection cache hit and on a miss (one RFC 7662 call to the fake issuer over loopback), next to
// the JWT path (token cache hit, full RS256 verification). The fake issuer runs in a child process, so
// the CPU measured here is the verifier's alone (undici's HTTP client included on a miss).
//
//   pnpm build && node test/bench/introspection.mjs          (BENCH_QUICK=1 for a short run)
//
// Prints a Markdown table of medians.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { hasTaskset, median, say } from './lib/common.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const CLIENT = { clientId: 'bench-api', clientSecret: 'bench-api-secret' };
const POOL = QUICK ? 2_000 : 10_000;
const ROUNDS = QUICK ? 3 : 7;
/** Verifications per round and case. Misses are slower (a loopback round trip each): fewer of them. */
const OPS = { hit: QUICK ? 5_000 : 50_000, miss: QUICK ? 500 : 3_000 };
/** Requests in flight at once, as a busy API would have them. */
const CONCURRENCY = 16;

if (process.argv[2] === '--issuer') await runIssuer();
else await runBenchmark();

/** Child: the fake issuer, with pools of opaque tokens and JWTs, described on one line of stdout. */
async function runIssuer() {
  const { startFakeIssuer } = await import('@portcullis/testing');
  const issuer = await startFakeIssuer({ clients: [{ ...CLIENT, scopes: [] }], tokenLifetime: 3_600 });
  const opaque = Array.from({ length: POOL }, () => issuer.mintOpaque({ scope: 'orders:read' }));
  const jwts = Array.from({ length: POOL }, () => issuer.mint({ scope: 'orders:read' }));
  process.stdout.write(
    `${JSON.stringify({ url: issuer.url, jwksUri: issuer.jwksUri, introspectionEndpoint: issuer.introspectionEndpoint, audience: issuer.audience, opaque, jwts })}\n`,
  );
  const stop = () => void issuer.close().then(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

function startIssuerChild() {
  const script = fileURLToPath(import.meta.url);
  const args = hasTaskset() ? ['taskset', ['-c', '1', process.execPath, script, '--issuer']] : [process.execPath, [script, '--issuer']];
  const child = spawn(args[0], args[1], { stdio: ['pipe', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('..', import.meta.url)) });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, setup: JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`the issuer child exited with ${code}`)));
  });
}

/** Runs `ops` verifications, `CONCURRENCY` at a time; returns CPU µs and wall µs per verification. */
async function measure(verify, tokens, ops) {
  let next = 0;
  let failures = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (next < ops) {
      const token = tokens[next++ % tokens.length];
      try {
        await verify(token);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wallUs = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  if (failures > 0) throw new Error(`${failures} of ${ops} verifications failed: the case measures nothing`);
  return { cpuUs: (cpu.user + cpu.system) / ops, wallUs: wallUs / ops };
}

async function runBenchmark() {
  const { createVerifier } = await import('@portcullis/core');
  const { child, setup } = await startIssuerChild();
  const introspection = (extra) => ({ ...CLIENT, endpoint: setup.introspectionEndpoint, ...extra });
  const opaqueVerifier = (extra = {}) => createVerifier({ issuer: [{ issuer: setup.url, introspection: introspection(extra) }], audience: setup.audience });
  const cases = [
    {
      id: 'jwt-cache-hit',
      label: 'JWT (RS256), verified-token cache hit',
      verifier: createVerifier({ issuer: setup.url, jwksUri: setup.jwksUri, audience: setup.audience }),
      tokens: setup.jwts.slice(0, 1),
      ops: OPS.hit,
    },
    {
      id: 'jwt-full',
      label: 'JWT (RS256), full verification (token cache off)',
      verifier: createVerifier({ issuer: setup.url, jwksUri: setup.jwksUri, audience: setup.audience, tokenCache: false }),
      tokens: setup.jwts,
      ops: OPS.miss * 4,
    },
    {
      id: 'opaque-cache-hit',
      label: 'opaque, introspection cache hit (memory store)',
      verifier: opaqueVerifier(),
      tokens: setup.opaque.slice(0, 1),
      ops: OPS.hit,
    },
    {
      id: 'opaque-miss',
      label: 'opaque, cache miss: one introspection call over loopback',
      verifier: opaqueVerifier({ cacheTtl: 0, maxConcurrent: CONCURRENCY }),
      tokens: setup.opaque,
      ops: OPS.miss,
    },
  ];
  try {
    // Warm-up: JIT, keep-alive sockets, JWKS, the one cached entry of each hit case.
    for (const c of cases) await measure((t) => c.verifier.verify(t), c.tokens, Math.min(c.ops, 500));
    const samples = new Map(cases.map((c) => [c.id, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotated order, so no case always runs right after the same other one.
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(round + k) % cases.length];
        samples.get(c.id).push(await measure((t) => c.verifier.verify(t), c.tokens, c.ops));
      }
    }
    const opaqueStats = cases[3].verifier.stats().introspection[setup.url];
    const results = cases.map((c) => ({
      id: c.id,
      label: c.label,
      cpuUsPerRequest: Number(median(samples.get(c.id).map((s) => s.cpuUs)).toFixed(2)),
      wallUsPerRequest: Number(median(samples.get(c.id).map((s) => s.wallUs)).toFixed(2)),
    }));
    say(`Introspection benchmark — Node ${process.version}, ${ROUNDS} rounds, medians, ${CONCURRENCY} in flight${QUICK ? ' (quick)' : ''}`);
    say('');
    say('| case | CPU µs / request | wall µs / request |');
    say('|---|---:|---:|');
    for (const r of results) say(`| ${r.label} | ${r.cpuUsPerRequest} | ${r.wallUsPerRequest} |`);
    say('');
    say(`miss case, whole run: ${opaqueStats.calls} introspection calls, ${opaqueStats.cacheHits} cache hits, ${opaqueStats.failures} failures, peak ${opaqueStats.peakInFlight} in flight`);
  } finally {
    for (const c of cases) c.verifier.close();
    child.stdin.end();
  }
}
