// What OpenTelemetry costs a verification, in process, on one core (`pnpm build && node test/bench/otel.mjs`).
//
// Phase 1, no SDK registered: this checkout's core next to another build of core (BASE_CORE, the path
// of its dist/index.js, e.g. a worktree of main), same cases, interleaved rounds. The ratio is this
// build's rate over the base's, round by round, then the median: 1.00 means no change.
// Phase 2: the OpenTelemetry SDK registered (BatchSpanProcessor into an in-memory exporter, a meter
// provider with a reader, the async-hooks context manager, as NodeSDK sets up): a verifier made before
// the SDK was registered (telemetry off) next to one made after (a span and the metrics per call). The
// difference of their CPU time per call is what the telemetry adds.
// Rates are calls per CPU-second of this process. Nothing is asserted: the numbers are for people.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createVerifier } from '@portcullis/core';
import { startFakeIssuer } from '@portcullis/testing';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 150);
const DISTINCT = 2_000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A fresh copy of a token's text per call, as each HTTP request's header is a new string. */
function freshStrings(tokens) {
  return tokens.map((token) => {
    const bytes = Buffer.from(token, 'latin1');
    return () => bytes.latin1Slice(0, bytes.length);
  });
}

const AsyncFunction = (async () => {}).constructor;
/** One compiled loop per case (its source names the case), so call-site feedback is not shared. */
function loopFor(name) {
  return new AsyncFunction(
    'verify',
    'texts',
    'state',
    'ms',
    `// case ${name}
    let i = state.i, ops = 0, t;
    const n = texts.length, t0 = performance.now(), end = t0 + ms;
    do {
      for (let k = 0; k < 32; k++) { await verify(texts[i]()); if (++i === n) i = 0; }
      ops += 32;
    } while ((t = performance.now()) < end);
    state.i = i;
    return ops;`,
  );
}

function makeCase(name, verifier, texts) {
  const loop = loopFor(name);
  const state = { i: 0 };
  const verify = (token) => verifier.verify(token);
  return {
    name,
    /** Calls per CPU-second over one slice. */
    async slice() {
      const cpu = process.cpuUsage();
      const ops = await loop(verify, texts, state, SLICE_MS);
      const used = process.cpuUsage(cpu);
      return ops / ((used.user + used.system) / 1e6);
    },
  };
}

/** Interleaved rounds, the order rotated each round; every case's rate in every round. */
async function rounds(cases, onRound) {
  const rates = new Map(cases.map((c) => [c.name, []]));
  for (const c of cases) await c.slice(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + round) % cases.length];
      rates.get(c.name).push(await c.slice());
    }
    onRound?.();
  }
  return rates;
}

const issuer = await startFakeIssuer();
const options = (tokenCache) => ({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, ...(tokenCache ? {} : { tokenCache: false }) });
const same = freshStrings([issuer.mint()]);
const distinct = freshStrings(Array.from({ length: DISTINCT }, () => issuer.mint()));

async function ready(verifier, texts) {
  await verifier.verify(texts[0]());
  return verifier;
}

const say = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const baseCore = process.env.BASE_CORE;
if (baseCore !== undefined) {
  const base = await import(baseCore);
  const cases = [];
  for (const [label, texts, tokenCache] of [
    ['same token (cache hit)', same, true],
    ['distinct RS256 tokens, tokenCache: false', distinct, false],
  ]) {
    cases.push(makeCase(`base ${label}`, await ready(base.createVerifier(options(tokenCache)), texts), texts));
    cases.push(makeCase(`this ${label}`, await ready(createVerifier(options(tokenCache)), texts), texts));
  }
  const rates = await rounds(cases);
  say(`## No SDK registered: this build vs ${baseCore} (${ROUNDS} rounds of ${SLICE_MS} ms, interleaved)`);
  say();
  say('| case | base calls/CPU-s | this calls/CPU-s | this ÷ base (median of per-round ratios) |');
  say('|---|---|---|---|');
  for (const label of ['same token (cache hit)', 'distinct RS256 tokens, tokenCache: false']) {
    const b = rates.get(`base ${label}`);
    const t = rates.get(`this ${label}`);
    say(`| ${label} | ${fmt(median(b))} | ${fmt(median(t))} | ${median(t.map((r, i) => r / b[i])).toFixed(3)} |`);
  }
  say();
}

// Phase 2: verifiers made now see no SDK; those made after registerSdk() record.
const plain = {
  same: await ready(createVerifier(options(true)), same),
  distinct: await ready(createVerifier(options(false)), distinct),
};
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  async onForceFlush() {}
  async onShutdown() {}
}
const meterProvider = new MeterProvider({ readers: [new Reader()] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(tracerProvider);
metrics.setGlobalMeterProvider(meterProvider);
const recorded = {
  same: await ready(createVerifier(options(true)), same),
  distinct: await ready(createVerifier(options(false)), distinct),
};
const cases = [
  makeCase('plain same', plain.same, same),
  makeCase('otel same', recorded.same, same),
  makeCase('plain distinct', plain.distinct, distinct),
  makeCase('otel distinct', recorded.distinct, distinct),
];
const rates = await rounds(cases, () => exporter.reset());
await tracerProvider.forceFlush();
exporter.reset();
say(`## SDK registered (BatchSpanProcessor → in-memory exporter, metrics, async-hooks context): telemetry off vs on`);
say();
say('| case | off calls/CPU-s | on calls/CPU-s | on ÷ off | added CPU per call |');
say('|---|---|---|---|---|');
for (const [label, key] of [
  ['same token (cache hit)', 'same'],
  ['distinct RS256 tokens, tokenCache: false', 'distinct'],
]) {
  const off = rates.get(`plain ${key}`);
  const on = rates.get(`otel ${key}`);
  const added = median(on.map((r, i) => 1e6 / r - 1e6 / off[i]));
  say(`| ${label} | ${fmt(median(off))} | ${fmt(median(on))} | ${median(on.map((r, i) => r / off[i])).toFixed(3)} | ${added.toFixed(2)} µs |`);
}
await tracerProvider.shutdown();
await meterProvider.shutdown();
for (const v of [...Object.values(plain), ...Object.values(recorded)]) v.close();
await issuer.close();
