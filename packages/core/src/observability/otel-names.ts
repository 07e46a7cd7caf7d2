/**
 * The names Portcullis reports under in OpenTelemetry: the instrumentation scope, the spans, their
 * attributes and the metrics. One list, so that the code, the tests and the README table agree.
 * Names follow OpenTelemetry's naming rules: lower case, dot-separated namespaces, `portcullis.` for
 * our own, the semantic conventions' names (`http.*`, `url.*`, `server.*`, `error.type`) where one
 * exists for the thing; units in the unit, never in the name.
 */

/** The instrumentation scope: the tracer and the meter are named after the package. */
export const SCOPE_NAME = '@portcullis/core';

/** Span names. */
export const SPAN = {
  /** One per `authenticate()` / `verify()` call, a child of the active span. */
  authenticate: 'portcullis.authenticate',
  /** A scope refusal (403) from `checkScopes()`, after an accepted authentication. */
  authorize: 'portcullis.authorize',
  /** Authorization-server metadata (RFC 8414 / OIDC discovery) fetched. */
  discovery: 'portcullis.discovery',
  /** A JWKS fetched. */
  jwks: 'portcullis.jwks.fetch',
  /** A token introspection call (RFC 7662). */
  introspection: 'portcullis.introspection',
} as const;

/** Attribute names of the authentication span and of the metrics. */
export const ATTR = {
  outcome: 'portcullis.outcome',
  reason: 'portcullis.reason',
  statusCode: 'portcullis.status_code',
  tokenFormat: 'portcullis.token.format',
  scheme: 'portcullis.scheme',
  issuer: 'portcullis.issuer',
  clientId: 'portcullis.client_id',
  tokenCacheHit: 'portcullis.token_cache.hit',
  cacheName: 'portcullis.cache.name',
  errorType: 'error.type',
  // HTTP client semantic conventions, on the discovery, JWKS and introspection spans.
  httpMethod: 'http.request.method',
  httpStatusCode: 'http.response.status_code',
  urlFull: 'url.full',
  serverAddress: 'server.address',
  serverPort: 'server.port',
} as const;

/** Metric names. */
export const METRIC = {
  authentications: 'portcullis.authentications',
  duration: 'portcullis.authentication.duration',
  scopeRefusals: 'portcullis.scope.refusals',
  discoveryFetches: 'portcullis.discovery.fetches',
  jwksFetches: 'portcullis.jwks.fetches',
  introspectionCalls: 'portcullis.introspection.calls',
  introspectionActive: 'portcullis.introspection.active_calls',
  cacheHits: 'portcullis.cache.hits',
  replayStoreFailures: 'portcullis.replay_store.failures',
} as const;

/** What `portcullis.outcome` says. */
export type AuthenticationOutcome = 'accepted' | 'refused' | 'unavailable' | 'anonymous';

/** Which remote call a fetch span stands for. */
export type FetchKind = 'discovery' | 'jwks' | 'introspection';
