/**
 * How hard the fuzz properties run. In CI (no FUZZ_RUNS) each property runs its own small count so
 * that all of test/fuzz stays well under 20 s; `pnpm fuzz` sets FUZZ_RUNS (e.g. 200 000) and every
 * property runs that many times, divided by its cost (one real HTTP request costs ~100 parsings).
 * FUZZ_SEED replays a failure: fast-check prints the seed and path of every counterexample.
 */
import type { Parameters } from 'fast-check';

const fuzzRuns = Number(process.env.FUZZ_RUNS ?? '');
const seed = Number(process.env.FUZZ_SEED ?? '');

/** True under `pnpm fuzz`. */
export const LONG_FUZZ = Number.isInteger(fuzzRuns) && fuzzRuns > 0;

/** A vitest timeout for one property: generous under `pnpm fuzz`, CI's default otherwise. */
export const FUZZ_TIMEOUT = LONG_FUZZ ? 3_600_000 : 20_000;

/**
 * fast-check parameters: `ci` runs in CI, FUZZ_RUNS / cost under `pnpm fuzz` (never fewer than `ci`).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(fc.string(), check), runs(2_000));
 * ```
 */
export function runs<T>(ci: number, cost = 1): Parameters<T> {
  const numRuns = LONG_FUZZ ? Math.max(ci, Math.ceil(fuzzRuns / cost)) : ci;
  return { numRuns, ...(Number.isInteger(seed) && process.env.FUZZ_SEED !== undefined ? { seed } : {}) };
}
