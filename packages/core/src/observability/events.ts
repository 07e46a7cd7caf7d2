/** The events and counters of a verifier: what it tells its owner about the requests it judged. */
import type { ReplayStoreFailedEvent } from '../binding/sender-binding.js';
import type { AuthErrorCode, RejectReason } from '../errors/errors.js';
import type { IntrospectionEvents, IntrospectionStats } from '../introspection/events.js';
import type { KeySourceFailureEvent } from '../keys/bounded-key-source.js';
import type { IssuerKeysEvents, IssuerKeysStats } from '../keys/issuer-keys.js';
import type { JwksFailureEvent } from '../keys/jwks-cache.js';

/** The payload of the `token_rejected` event. Never holds the token. */
export interface TokenRejectedEvent {
  code: AuthErrorCode;
  reason: RejectReason;
  status: number;
  /** The configured issuer the token was checked against; undefined before one was chosen. */
  issuer: string | undefined;
  /**
   * With `reason: 'invalid_issuer'`, the `iss` the token carried (unverified; not a secret), cut to
   * {@link MAX_REPORTED_ISSUER_LENGTH} characters: shows a trailing slash or `localhost` vs
   * `127.0.0.1` next to the configured issuer. Undefined otherwise, or when `iss` is not a string.
   */
  tokenIssuer?: string | undefined;
  /** With `reason: 'invalid_issuer'`: the configured issuers (templates as configured), to compare with `tokenIssuer`. */
  configuredIssuers?: readonly string[] | undefined;
  /**
   * With `reason: 'invalid_issuer'`, when `tokenIssuer` differs from a configured issuer only by a
   * trailing slash, the scheme, `localhost` vs `127.0.0.1` or letter case: a sentence naming both.
   */
  issuerDiagnosis?: string | undefined;
}

/** Longest `tokenIssuer` reported in a `token_rejected` event; a longer `iss` is cut and ends in `…`. */
export const MAX_REPORTED_ISSUER_LENGTH = 256;

export function reportedIssuer(iss: unknown): string | undefined {
  if (typeof iss !== 'string') return undefined;
  return iss.length <= MAX_REPORTED_ISSUER_LENGTH ? iss : `${iss.slice(0, MAX_REPORTED_ISSUER_LENGTH - 1)}…`;
}

/** Counters returned by {@link Verifier.stats}. */
export interface VerifierStats {
  verified: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Verified-token cache hits and misses (zeros when the cache is off). */
  tokenCache: { hits: number; misses: number; size: number };
  issuers: Record<string, IssuerKeysStats | undefined>;
  /** Per issuer with `introspection`: calls, cache hits and misses, failures. */
  introspection: Record<string, IntrospectionStats>;
}

/**
 * Events of a verifier: the JWKS and discovery events of its issuers, the introspection events
 * (`introspection_completed`, `introspection_failed`, `introspection_cache_failed`), `token_rejected`, and
 * `replay_store_failed` when the DPoP replay store fails or times out.
 */
export type VerifierEvents = Omit<IssuerKeysEvents, 'keys_unavailable'> &
  Omit<IntrospectionEvents, 'discovery_failed'> & {
    token_rejected: [TokenRejectedEvent];
    replay_store_failed: [ReplayStoreFailedEvent];
    /** From the JWKS cache (`uri` set), or from an issuer's `keySource` (`uri` undefined, `issuer` set). */
    keys_unavailable: [JwksFailureEvent | KeySourceFailureEvent];
  };
