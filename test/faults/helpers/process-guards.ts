/**
 * Collects unhandled rejections of the test process, so that a test can assert there were none: a
 * fetch failure or a background refresh that nobody awaits must never surface as one.
 */
import { afterAll, beforeAll } from 'vitest';

export function trackUnhandledRejections(): { readonly reasons: unknown[] } {
  const state = { reasons: [] as unknown[] };
  const listener = (reason: unknown): void => {
    state.reasons.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', listener);
  });
  afterAll(() => {
    process.off('unhandledRejection', listener);
  });
  return state;
}
