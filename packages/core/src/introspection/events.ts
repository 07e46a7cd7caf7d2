/** The events and counters of introspection (observability of the opaque path). */
/** Why an introspection could not answer. Stable: safe to log and count. */
export type IntrospectionFailureKind =
  | 'discovery_failed'
  | 'busy'
  | 'timeout'
  | 'network'
  | 'status'
  | 'unauthorized'
  | 'too_large'
  | 'invalid_response'
  | 'keys_unavailable'
  | 'closed';

/** Payload of `introspection_completed`: one call to the endpoint answered. Never holds the token. */
export interface IntrospectionCompletedEvent {
  issuer: string;
  endpoint: string;
  durationMs: number;
  /** Whether the token passed every check. */
  active: boolean;
}

/** Payload of `introspection_failed`: the endpoint could not judge a token (the request got a 503). */
export interface IntrospectionFailedEvent {
  issuer: string;
  endpoint: string | undefined;
  kind: IntrospectionFailureKind;
  /** The HTTP status, for `status` and `unauthorized`. */
  status: number | undefined;
  /** Never holds a response body, the token or the client secret. */
  error: Error;
}

/** Payload of `introspection_cache_failed`: the cache store rejected or was too slow; the call went to the server. */
export interface IntrospectionCacheFailedEvent {
  issuer: string;
  operation: 'get' | 'set';
  error: Error;
}

/** The events of an {@link Introspector}. */
export type IntrospectionEvents = {
  introspection_completed: [IntrospectionCompletedEvent];
  introspection_failed: [IntrospectionFailedEvent];
  introspection_cache_failed: [IntrospectionCacheFailedEvent];
  discovery_failed: [{ issuer: string; error: Error }];
};

/** Counters of one issuer's introspection, in `verifier.stats().introspection[issuer]`. */
export interface IntrospectionStats {
  endpoint: string | undefined;
  /** Calls sent to the endpoint (answered or not). */
  calls: number;
  /** Calls whose token passed every check. */
  active: number;
  /** Calls whose token was refused (inactive, expired, another audience, …). */
  refused: number;
  /** Introspections that could not answer (each a 503). */
  failures: number;
  cacheHits: number;
  cacheMisses: number;
  /** Cache store calls that rejected or timed out. */
  cacheFailures: number;
  /** Calls in flight now, and the most at once so far. */
  inFlight: number;
  peakInFlight: number;
}
