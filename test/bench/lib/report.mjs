// Renders test/bench/results.md from the phases' JSON.
import { ALGS, median } from './common.mjs';

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const ratio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
const pct = (n) => (Number.isFinite(n) ? `${Math.round(n * 100)} %` : '—');
const yesNo = (ok) => (ok === undefined ? '—' : ok ? 'yes' : '**no**');

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const INPROCESS_ROWS = [
  ['raw', 'raw `crypto.verify` (the limit: KeyObject imported once, token already split and decoded)'],
  ['floor', 'hand-rolled floor: split, base64url-decode, `JSON.parse` the payload, `crypto.verify`; synchronous, no checks at all'],
  ['floor-await', 'the same floor behind one `await` (the least an async API adds)'],
  ['portcullis-distinct', '**Portcullis** core, distinct tokens, default options (token cache on and full; hits below)'],
  ['portcullis-distinct-nocache', '**Portcullis** core, distinct tokens, `tokenCache: false`'],
  ['portcullis-repeated', '**Portcullis** core, repeated token (token cache hit)'],
  ['portcullis-repeated-fresh', '**Portcullis** core, same token, a fresh string per call (token cache hit; what HTTP does)'],
  ['jose-jwks', 'jose 6 `jwtVerify` + `createLocalJWKSet`'],
  ['jose-key', 'jose 6 `jwtVerify` + `importJWK` key'],
  ['aws', 'aws-jwt-verify `JwtVerifier.verify` (`cacheJwks`)'],
  ['fast-jwt', 'fast-jwt `createVerifier`, static key, no cache'],
  ['fast-jwt-cache-hit', 'fast-jwt `createVerifier`, static key, `cache: true`, repeated token'],
  ['fast-jwt-cache-hit-fresh', 'fast-jwt `createVerifier`, static key, `cache: true`, same token, a fresh string per call'],
  ['auth0', 'express-oauth2-jwt-bearer `auth()` driven in-process (JWKS over loopback, warmed)'],
];

function inprocessResult(inprocess, alg, id) {
  return inprocess?.results.find((r) => r.alg === alg && r.id === id);
}

function rawOps(inprocess, alg) {
  return inprocessResult(inprocess, alg, 'raw')?.opsPerSec;
}

/**
 * A case's ratio to raw `crypto.verify`: the median of its paired ratios (each slice against the raw
 * slice run just before it) when the run has them, else the ratio of the medians.
 */
function ratioToRaw(inprocess, alg, id) {
  const r = inprocessResult(inprocess, alg, id);
  if (r === undefined || r.error !== undefined) return NaN;
  return r.pairedRatio ?? r.opsPerSec / rawOps(inprocess, alg);
}

function renderInprocess(inprocess, config) {
  const out = ['## In-process verification, one CPU', ''];
  const cacheNote =
    config.distinctCacheMax === undefined
      ? 'the token cache holds 10,000 and is filled with other valid tokens first, so in that order every lookup misses'
      : `this quick run's pool is smaller than the default token cache, so the "cache on" row uses \`tokenCache: { max: ${config.distinctCacheMax} }\` and still misses every time`;
  out.push(
    `Each case verifies tokens in a loop (\`await\` per call for the async APIs) for ${inprocess.sliceMs} ms per round; ${inprocess.rounds} rounds, each case once per round in a rotated order, after one uncounted warm-up round. ` +
      `Distinct-token cases cycle through ${int(inprocess.poolSize)} pre-minted tokens per algorithm (${cacheNote}). ` +
      'ops/s = operations per CPU-second of the benchmark process, which is pinned to one CPU: what one otherwise idle core does (wall-clock rates, and the share of the CPU the process got, are in the details below). ' +
      (inprocess.results.some((r) => r.pairedRatio !== undefined)
        ? 'Ratio = the median over the rounds of the case\'s ops/s ÷ the ops/s of a raw `crypto.verify` slice of the same algorithm run just before it (paired, so that the machine\'s drift from second to second cancels out).'
        : 'Ratio = ops/s ÷ raw `crypto.verify` of the same algorithm.'),
    '',
  );
  const header = ['Case', ...ALGS.flatMap((alg) => [`${alg} ops/s`, '× raw'])];
  const rows = [];
  for (const [id, label] of INPROCESS_ROWS) {
    if (!inprocess.results.some((r) => r.id === id)) continue;
    const cells = [label];
    for (const alg of ALGS) {
      const r = inprocessResult(inprocess, alg, id);
      if (r === undefined || r.error !== undefined) cells.push(r?.error === undefined ? '—' : `error: ${r.error}`, '—');
      else cells.push(int(r.opsPerSec), ratio(id === 'raw' ? 1 : ratioToRaw(inprocess, alg, id)));
    }
    rows.push(cells);
  }
  out.push(table(header, rows), '');
  const hitNotes = ALGS.map((alg) => {
    const r = inprocessResult(inprocess, alg, 'portcullis-distinct');
    return r?.cacheHits === undefined ? undefined : `${alg} ${int(r.cacheHits)} hits / ${int(r.cacheMisses)} misses (${int(r.cacheSize)} entries)`;
  }).filter((n) => n !== undefined);
  if (hitNotes.length > 0) {
    out.push(
      `Token cache in the default-options row, over the measured rounds: ${hitNotes.join('; ')}. The cache is filled with other valid tokens before the case runs, so it is full from the start; a full cache admits a token only on its second sighting within a short window of misses.`,
      '',
    );
  }
  const rawCosts = ALGS.map((alg) => `${alg} ${fixed(1e6 / rawOps(inprocess, alg))} µs`).join(', ');
  out.push(`Raw verify cost per token (1 / raw ops/s): ${rawCosts}.`, '');
  out.push('<details><summary>Details: wall-clock rates, CPU share, spread of the rounds</summary>', '');
  const detailRows = [];
  for (const [id, label] of INPROCESS_ROWS) {
    for (const alg of ALGS) {
      const r = inprocessResult(inprocess, alg, id);
      if (r === undefined || r.error !== undefined) continue;
      const paired = r.pairedSpreadPct === undefined ? '—' : `${fixed(r.pairedSpreadPct, 0)} %`;
      detailRows.push([label, alg, int(r.opsPerSec), int(r.wallOpsPerSec), pct(r.cpuShare), pct(r.otherOnCpu0), `${fixed(r.spreadPct, 0)} %`, paired]);
    }
  }
  out.push(
    table(['Case', 'alg', 'ops/CPU-s (median)', 'ops/wall-s (median)', 'CPU share', 'others on CPU 0', 'spread (max−min)/median', 'spread of the paired ratios'], detailRows),
    '',
    '</details>',
    '',
  );
  return out.join('\n');
}

const FRAMEWORKS = ['express', 'fastify', 'koa'];

function httpRows(http, mode) {
  const rows = [];
  for (const framework of FRAMEWORKS) {
    const cases = http.results.filter(
      (r) => r.framework === framework && (r.group ?? 'frameworks') === 'frameworks' && (r.variant === 'bare' ? r.mode === 'same' : r.mode === mode),
    );
    for (const r of cases) {
      if (r.error !== undefined) {
        rows.push([r.label, `error: ${r.error}`, '', '', '', '', '', '', '', '', '', '']);
        continue;
      }
      const isBare = r.variant === 'bare';
      rows.push([
        r.variant === 'portcullis' ? `**${r.label}**` : r.label,
        int(r.rps),
        isBare ? '1.00×' : ratio(r.rpsVsBare),
        fixed(r.p99Ms, 0),
        fixed(r.serverCpuMicrosPerRequest),
        `${fixed(r.serverUserMicrosPerRequest)} / ${fixed(r.serverSystemMicrosPerRequest)}`,
        isBare ? '—' : fixed(r.addedMicrosPerRequest),
        isBare ? '—' : `${fixed(r.addedUserMicrosPerRequest)} / ${fixed(r.addedSystemMicrosPerRequest)}`,
        pct(r.serverBusy),
        pct(r.loadgenBusy),
        `${pct(r.otherOnCpu0)} / ${pct(r.otherOnCpu1)}`,
        [
          r.cacheHits + r.cacheMisses > 0 ? `token cache hits ${pct(r.cacheHits / (r.cacheHits + r.cacheMisses))}` : '',
          r.bad > 0 ? `**${int(r.bad)} non-2xx/errors**` : '',
        ]
          .filter((note) => note !== '')
          .join(', '),
      ]);
    }
  }
  return rows;
}

/** Server CPU added over the bare framework by the hand-rolled sync RS256 check in that framework. */
function handRolledMicros(http, framework) {
  const sync = http.results.find((r) => r.framework === framework && r.variant === 'handrolled' && r.error === undefined);
  return sync === undefined ? NaN : sync.addedMicrosPerRequest;
}

function renderHttp(http) {
  const out = ['## HTTP on loopback', ''];
  out.push(
    `GET /api → \`{"sub": …}\` (bare: no auth). Each server is its own process${http.pinned ? ' pinned to CPU 0' : ' (unpinned: taskset unavailable)'}; the load generator (autocannon, ${http.connections} connections, no pipelining) ${http.pinned ? 'runs pinned to CPU 1' : 'runs unpinned'}. ` +
      `Per round each case gets ${http.warmupSec} s of warm-up and ${http.measureSec} s measured; ${http.rounds} rounds, frameworks and cases in a rotated order; medians. ` +
      'Server CPU µs/req = `process.cpuUsage()` delta inside the server over the measured window ÷ requests it served. Each framework\'s cases (its bare server included) run back to back in a round; "added µs" and "× bare" are computed per round against that round\'s bare run, then the median is taken, because the machine\'s speed drifts between rounds. ' +
      '"Server busy" near 100 % means the server was the bottleneck; "load-gen busy" near 100 % means autocannon was; "others on CPU 0 / 1" is the share of the server\'s and of the load generator\'s CPU that went to other processes on the machine (from /proc/stat). Whenever the server is not the bottleneck, req/s and p99 understate it; server CPU µs/req stays valid. ' +
      `Distinct tokens: the load generator cycles through ${int(http.poolSize)} RS256 tokens${http.distinctCacheMax === undefined ? ', twice the default token cache, so Portcullis misses every time' : ` (quick run: Portcullis servers get \`tokenCache: { max: ${http.distinctCacheMax} }\` so that they still miss)`}. Peers run with their documented JWKS setup and default options (none of them caches verified tokens by default).`,
    '',
  );
  const header = ['Stack', 'req/s', '× bare', 'p99 ms', 'server CPU µs/req', 'user / system', 'added µs/req', 'added user / system', 'server busy', 'load-gen busy', 'others on CPU 0 / 1', 'notes'];
  out.push('### Distinct tokens (every request a different RS256 token)', '', table(header, httpRows(http, 'distinct')), '');
  out.push('### Same token on every request', '', table(header, httpRows(http, 'same')), '');
  const crypto = http.results.filter((r) => r.group === 'crypto');
  if (crypto.length > 0) {
    out.push(
      '### Sync `crypto.verify` vs the callback (thread-pool) form',
      '',
      'Express 5, a hand-rolled RS256 check (split, decode, verify, read `sub`; no claim checks), distinct tokens. Pinned to CPU 0, the libuv thread pool shares that CPU with the event loop; "on both CPUs" lets it use CPU 1 too, which the load generator also uses. The pinned synchronous form is the "hand-rolled sync RS256 check" row of the Express table above.',
      '',
      table(
        ['Variant', 'CPUs', 'req/s', 'p99 ms', 'server CPU µs/req', 'added µs/req vs bare Express', 'server busy', 'load-gen busy'],
        crypto.map((r) =>
          r.error !== undefined
            ? [r.label, r.cpu, `error: ${r.error}`, '', '', '', '', '']
            : [
                r.label,
                r.cpu,
                int(r.rps),
                fixed(r.p99Ms, 0),
                fixed(r.serverCpuMicrosPerRequest),
                fixed(r.addedMicrosPerRequest),
                pct(r.serverBusy),
                pct(r.loadgenBusy),
              ],
        ),
      ),
      '',

    );
  }
  return out.join('\n');
}

/** Issue 13's targets, each with its measured figure from this run. */
function renderTargets(info) {
  const { inprocess, http } = info;
  const rows = [];
  if (inprocess !== undefined) {
    for (const alg of ALGS) {
      const cached = ratioToRaw(inprocess, alg, 'portcullis-distinct');
      const fast = ratioToRaw(inprocess, alg, 'fast-jwt');
      rows.push([
        `defaults (cache on, distinct tokens) ${alg} ≥ fast-jwt (no cache), as × raw`,
        `${ratio(cached)} vs fast-jwt ${ratio(fast)}`,
        yesNo(Number.isFinite(cached / fast) ? cached >= fast : undefined),
      ]);
    }
    const floors = { RS256: 0.88, ES256: 0.94, EdDSA: 0.95 };
    for (const alg of ALGS) {
      const nocache = ratioToRaw(inprocess, alg, 'portcullis-distinct-nocache');
      rows.push([
        `\`tokenCache: false\` ${alg} ≥ ${floors[alg]} × raw \`crypto.verify\``,
        ratio(nocache),
        yesNo(Number.isFinite(nocache) ? nocache >= floors[alg] : undefined),
      ]);
    }
  }
  if (http !== undefined) {
    const sameLimit = { express: 3, fastify: 2, koa: 2 };
    for (const framework of FRAMEWORKS) {
      const ours = (mode) => http.results.find((r) => r.framework === framework && r.variant === 'portcullis' && r.mode === mode && r.error === undefined);
      const same = ours('same')?.addedMicrosPerRequest ?? NaN;
      rows.push([`${framework}, same token: added server CPU ≤ ${sameLimit[framework]} µs`, `${fixed(same)} µs`, yesNo(Number.isFinite(same) ? same <= sameLimit[framework] : undefined)]);
      const distinct = ours('distinct')?.addedMicrosPerRequest ?? NaN;
      const reference = handRolledMicros(http, framework);
      rows.push([
        `${framework}, distinct RS256 tokens: added server CPU ≤ 1.1 × the hand-rolled sync check in ${framework}`,
        `${fixed(distinct)} µs vs ${fixed(reference)} µs: ${ratio(distinct / reference)}`,
        yesNo(Number.isFinite(distinct / reference) ? distinct <= 1.1 * reference : undefined),
      ]);
    }
  }
  if (rows.length === 0) return '';
  return ['## Targets (reported, not asserted)', '', table(['Target', 'Measured (median)', 'Met'], rows), ''].join('\n');
}

function renderJwks(jwks) {
  const out = ['## JWKS fetches (counted on the fake issuer)', ''];
  out.push(
    `Each library starts cold. **Cold**: ${int(jwks.concurrent)} concurrent verifications of distinct valid RS256 tokens. ` +
      `**Unknown kids**: right after, ${int(jwks.unknownKids)} concurrent tokens whose \`kid\` is not in the JWKS (validly signed otherwise), default settings. ` +
      `**After cooldown**: the same flood on a fresh verifier whose refetch cooldown was set to ${jwks.shortCooldownMs / 1000} s and had passed (where the library has such a setting). ` +
      `Each burst is watched for at most ${jwks.deadlineSec} s; "pending" verifications had not settled by then.`,
    '',
  );
  const burst = (b) => (b === undefined ? '—' : `${b.fetches} fetch${b.fetches === 1 ? '' : 'es'}`);
  const outcome = (b) =>
    b === undefined ? '—' : `${int(b.accepted)} ok, ${int(b.refused)} refused${b.pending > 0 ? `, **${int(b.pending)} pending**` : ''}, ${int(b.lastSettledMs)} ms`;
  const rows = jwks.results.map((r) =>
    r.error !== undefined
      ? [r.label, `error: ${r.error}`, '', '', '', '']
      : [r.label, burst(r.cold), outcome(r.cold), burst(r.flood), outcome(r.flood), burst(r.floodAfterCooldown)],
  );
  out.push(table(['Library', 'Cold: fetches', 'Cold: outcome, last settled', 'Unknown kids: fetches', 'Unknown kids: outcome', 'Unknown kids after cooldown'], rows), '');
  return out.join('\n');
}

export function renderMemory(memory) {
  const out = ['## Memory', ''];
  out.push(
    `One verifier per row, ${int(memory.tokens)} distinct tokens verified one after another. Heap = \`heapUsed\` after two \`global.gc()\` calls (\`--expose-gc\`); growth = after − before, where "before" is the fresh verifier (code warmed on a throwaway one). ` +
      'The tokens are HS256 (the verifier is configured with the secret): the fake issuer minted one as the template and the script signs variants of it (distinct `jti` and `sub`) with node:crypto HMAC, because minting 1 M with the fake issuer takes ~50 µs each. ' +
      'Invalid tokens rotate through bad signature, expired, wrong audience and malformed.',
    '',
  );
  const rows = memory.results.map((r) => [
    r.name,
    int(r.accepted),
    fixed(r.baselineMiB),
    fixed(r.afterMiB),
    `${fixed(r.growthMiB)} MiB`,
    r.seriesMiB.join(' → '),
    r.tokenCacheSize === undefined ? '—' : int(r.tokenCacheSize),
    fixed(r.seconds),
  ]);
  out.push(table(['Tokens', 'accepted', 'heap before MiB', 'heap after MiB', 'growth', 'growth every 10 % of the run (MiB)', 'token cache entries', 's'], rows), '');
  return out.join('\n');
}

export function renderReport(info) {
  const { machine } = info;
  const out = ['# Portcullis benchmark results', ''];
  out.push(
    `- Date: ${info.date}${info.quick ? ' — **BENCH_QUICK=1 smoke run, not for comparison**' : ''}`,
    `- Code: ${
      info.git === undefined
        ? 'git state not recorded'
        : `commit ${info.git.head}${typeof info.git.dirtyPackages === 'number' ? (info.git.dirtyPackages === 0 ? ', packages/ clean' : `, plus ${info.git.dirtyPackages} uncommitted file(s) under packages/ (the build is of the working tree)`) : ` (${info.git.dirtyPackages})`}`
    }`,
    `- Machine: ${machine.nproc} CPUs (nproc), ${machine.cpuModel}, ${machine.memGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}`,
    `- Pinning: ${machine.taskset ? '`taskset` available: in-process benchmark and servers on CPU 0, load generator on CPU 1' : '**taskset unavailable or fewer than 2 CPUs: nothing pinned**'}`,
    `- Load average (1 min) at start ${fixed(info.load?.start, 2)}, at end ${fixed(info.load?.end, 2)}: other work on the machine shares the CPUs with the benchmark when this is above ~2.`,
    `- Run time: ${fixed(info.totalSeconds / 60)} min (${Object.entries(info.phases)
      .map(([phase, seconds]) => `${phase} ${Math.round(seconds)} s`)
      .join(', ')})`,
    '- How to reproduce: `pnpm install && pnpm bench` at the repository root (`BENCH_QUICK=1 pnpm bench` for a ~2 min smoke run; `pnpm bench:memory` for the memory part alone). Writes this file, test/bench/results.md.',
    '',
  );
  if (info.errors.length > 0) out.push('**Errors:**', '', ...info.errors.map((e) => `- ${e}`), '');
  out.push(renderTargets(info));
  if (info.inprocess !== undefined) out.push(renderInprocess(info.inprocess, info.config));
  if (info.http !== undefined) out.push(renderHttp(info.http));
  if (info.jwks !== undefined) out.push(renderJwks(info.jwks));
  if (info.memory !== undefined) out.push(renderMemory(info.memory));
  out.push(renderNotes(info));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function renderNotes(info) {
  const notes = [
    'Peers: jose 6 (WebCrypto underneath), aws-jwt-verify 5, fast-jwt 6, express-oauth2-jwt-bearer 1.x, express-jwt 8 + jwks-rsa 4, @fastify/jwt 10 + get-jwks 11, koa-jwt 4 + jwks-rsa 4; exact versions in pnpm-lock.yaml.',
    'express-oauth2-jwt-bearer 1.x exports no `jwtVerifier`; the in-process case drives its `auth()` middleware with a minimal request object, so it includes its bearer extraction and DPoP/challenge plumbing (the Portcullis rows call `verify(token)` directly).',
    'aws-jwt-verify is measured with its async `verify` (the JWKS cached with `cacheJwks`), like every other async API here: one `await` per token.',
    'HTTP peers keep their default settings: none caches verified tokens (fast-jwt can, but @fastify/jwt does not turn it on), so their same-token rows pay a full verification per request; Portcullis caches by default.',
    'JWKS: aws-jwt-verify fetches with https only; its fetcher is swapped for one over `fetch` (its documented extension point) so it can reach the loopback issuer.',
  ];
  if (info.http !== undefined) {
    const pinnedRows = info.http.results.filter((r) => r.error === undefined && r.cpu === '0');
    const others0 = pinnedRows.map((r) => r.otherOnCpu0).filter(Number.isFinite);
    const others1 = pinnedRows.map((r) => r.otherOnCpu1).filter(Number.isFinite);
    if (others0.length > 0) {
      notes.push(
        `HTTP: other processes on the machine took a median ${pct(median(others0))} of CPU 0 (worst ${pct(Math.max(...others0))}) and ${pct(median(others1))} of CPU 1 (worst ${pct(Math.max(...others1))}) during the measured windows. Where the server is not near 100 % busy, it was waiting for the load generator or for the CPU, and req/s and p99 are lower than an idle machine would give.`,
      );
    }
  }
  if (info.inprocess !== undefined) {
    const shares = info.inprocess.results.filter((r) => r.error === undefined).map((r) => r.cpuShare);
    const others = info.inprocess.results.filter((r) => r.error === undefined).map((r) => r.otherOnCpu0).filter(Number.isFinite);
    notes.push(
      `In-process: other processes took a median ${pct(median(others))} of CPU 0 (worst case median ${pct(Math.max(...others))}); the benchmark process got a median ${pct(median(shares))} of its CPU over the slices (100 % = nothing else ran there); ops/s are per CPU-second so that other load on the machine does not lower them, but shared caches and frequency still leak through — compare the rows of one run, not runs on different days.`,
    );
  }
  return ['## Notes', '', ...notes.map((n) => `- ${n}`), ''].join('\n');
}
