/** The counters of a verifier, gathered from its stages for `verifier.stats()`. */
import type { TokenCache } from '../cache/token-cache.js';
import type { Issuers } from '../routing/issuers.js';
import type { VerifierStats } from './events.js';
import type { Recorder } from './recorder.js';

/** Verdict counts, token-cache counters, and each issuer's JWKS and introspection counters. */
export function verifierStats(recorder: Recorder, issuers: Issuers, cache: TokenCache | undefined): VerifierStats {
  const keys: VerifierStats['issuers'] = {};
  const introspection: VerifierStats['introspection'] = {};
  for (const [name, runtime] of issuers.byName) {
    keys[name] = runtime.jwks?.stats();
    if (runtime.introspector !== undefined) introspection[name] = runtime.introspector.stats();
  }
  const tokenCache = { hits: cache?.hits ?? 0, misses: cache?.misses ?? 0, size: cache?.size ?? 0 };
  return { ...recorder.counts(), tokenCache, issuers: keys, introspection };
}
