// The in-memory DPoP replay store: its heap per entry, what `add` costs, and the sustained rate its bound
// allows. Standalone: `pnpm build && node --expose-gc test/bench/replay-store.mjs [max ...]`.
//
// The store never drops an entry before its window ends, so it accepts at most `max` distinct proofs per
// window (300 s proofMaxAge + 2 × 5 s clock tolerance by default): sustained rate = max / 310 per second.
// Above that it answers 503 until entries expire. Keys are what core hands it: 'dpop:' + 43 base64url.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import v8 from 'node:v8';
import { MemoryReplayStore } from '@portcullis/core';

if (typeof globalThis.gc !== 'function') {
  process.stderr.write('replay-store.mjs needs --expose-gc\n');
  process.exit(2);
}

const WINDOW_MS = (300 + 2 * 5) * 1000;
const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const key = (i) => 'dpop:' + createHash('sha256').update(String(i)).digest('base64url');
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return v8.getHeapStatistics().used_heap_size;
};

// Warm-up: module loading and the first hashes leave garbage a first gc() does not always reclaim.
{
  let warm = new MemoryReplayStore({ max: 10_000 });
  for (let i = 0; i < 10_000; i++) await warm.add(key(i), WINDOW_MS);
  warm = undefined;
  heap();
}

for (const max of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
  // Memory: keys made on the fly, so that the heap growth is the store with its keys, nothing else.
  const before = heap();
  let store = new MemoryReplayStore({ max });
  for (let i = 0; i < max; i++) await store.add(key(i), WINDOW_MS);
  const perEntry = (heap() - before) / max;
  if (store.size !== max) throw new Error('the store did not fill');
  store = undefined;
  heap();
  // Speed: keys made first, so that the time is the store's own.
  const keys = Array.from({ length: max }, (_, i) => key(i));
  store = new MemoryReplayStore({ max });
  const start = performance.now();
  for (const k of keys) await store.add(k, WINDOW_MS);
  const fillMs = performance.now() - start;
  const extra = Array.from({ length: 10_000 }, (_, i) => key(max + i));
  let refused = 0;
  const probe = performance.now();
  for (const k of extra) await store.add(k, WINDOW_MS).catch(() => refused++);
  const fullMs = performance.now() - probe;
  const replayStart = performance.now();
  let replays = 0;
  for (let i = 0; i < 100_000; i++) if (!(await store.add(keys[i % max], WINDOW_MS))) replays++;
  const replayMs = performance.now() - replayStart;
  process.stdout.write(
    `max ${max.toLocaleString('en')}: ${perEntry.toFixed(0)} B/entry, ${((perEntry * max) / 2 ** 20).toFixed(1)} MiB full; ` +
      `add ${((fillMs * 1000) / max).toFixed(2)} µs; replay seen ${((replayMs * 1000) / 100_000).toFixed(2)} µs (${replays}); ` +
      `full: ${refused} of 10,000 refused, ${((fullMs * 1000) / 10_000).toFixed(2)} µs each; ` +
      `sustained: ${Math.floor(max / (WINDOW_MS / 1000)).toLocaleString('en')} distinct proofs/s over a 310 s window\n`,
  );
}
