/**
 * The issuers of a verifier, set up once: each with its keys (the JWKS cache or a bounded key source),
 * its introspector when it has `introspection`, and its claim rules; their events forwarded to the
 * verifier's own.
 */
import type { EventEmitter } from 'node:events';
import type { ClaimRules } from '../jwt/claims.js';
import { Introspector } from '../introspection/introspector.js';
import { boundKeySource } from '../keys/bounded-key-source.js';
import { IssuerKeys } from '../keys/issuer-keys.js';
import { resolveJwksCacheOptions } from '../keys/jwks-options.js';
import type { KeySource } from '../keys/key-source.js';
import type { VerifierEvents } from '../observability/events.js';
import type { Recorder } from '../observability/recorder.js';
import type { ResolvedIssuer, ResolvedOptions } from '../options.js';
import { fetchWithHeaders } from '../keys/request-headers.js';
import { IssuerDirectory } from './issuer-lookup.js';

/** One configured issuer, ready to judge tokens. */
export interface IssuerRuntime extends ResolvedIssuer {
  /** The configured key source, or the JWKS cache; undefined for an HMAC-only issuer. */
  readonly keys: KeySource | undefined;
  /** The JWKS cache when the verifier made one (for stats and close). */
  readonly jwks: IssuerKeys | undefined;
  /** For an issuer with `introspection`. */
  readonly introspector: Introspector | undefined;
  readonly claimRules: ClaimRules;
}

/**
 * The issuers by their configured identifier (a template as written), the lookup of a token's issuer
 * (exact, or through a template), and the one that takes tokens which are no compact JWS, if any.
 */
export interface Issuers {
  readonly byName: ReadonlyMap<string, IssuerRuntime>;
  readonly directory: IssuerDirectory<IssuerRuntime>;
  readonly opaque: IssuerRuntime | undefined;
}

/** Builds every issuer of the options; events go to `events`, guarded ones through `recorder`. */
export function createIssuers(options: ResolvedOptions<object>, events: EventEmitter<VerifierEvents>, recorder: Recorder): Issuers {
  const byName = new Map<string, IssuerRuntime>();
  const directory = new IssuerDirectory<IssuerRuntime>();
  let opaque: IssuerRuntime | undefined;
  const jwksOptions = resolveJwksCacheOptions(options.jwks);
  for (const issuer of options.issuers) {
    let jwks: IssuerKeys | undefined;
    if (issuer.needsKeys && issuer.keySource === undefined) {
      jwks = new IssuerKeys(issuer.issuer, {
        jwksUri: issuer.jwksUri,
        // Kubernetes: the API server wants the pod's service-account token on discovery and JWKS requests.
        jwks: issuer.reading.requestHeaders === undefined ? options.jwks : { ...options.jwks, fetch: fetchWithHeaders(options.jwks.fetch, issuer.reading.requestHeaders) },
        discoveryMaxBytes: options.discoveryMaxBytes,
      });
      forwardKeyEvents(jwks, events);
    }
    const source = issuer.keySource;
    const keys = !issuer.needsKeys
      ? undefined
      : source === undefined
        ? jwks
        : // The same bounds as a JWKS fetch: a user's source that hangs or throws is a 503, never a hang or a 500.
          boundKeySource(source, {
            timeout: jwksOptions.timeout,
            retryAfter: jwksOptions.errorCooldown / 1000,
            onUnavailable: (error) => recorder.emitSafely('keys_unavailable', { uri: undefined, issuer: issuer.issuer, error }),
          });
    const introspector = issuer.introspection === undefined ? undefined : createIntrospector(options, issuer, keys, events);
    const claimRules: ClaimRules = {
      audiences: issuer.audiences,
      clockTolerance: options.clockTolerance,
      maxTokenAge: options.maxTokenAge,
      tokenType: options.tokenType,
      requiredClaims: options.requiredClaims,
      audienceClaim: issuer.reading.audienceClaim,
      requiredClaimValues: issuer.reading.requiredClaimValues,
    };
    const runtime: IssuerRuntime = { ...issuer, keys, jwks, introspector, claimRules };
    byName.set(issuer.issuer, runtime);
    directory.add(runtime);
    if (introspector !== undefined && issuer.introspect !== 'always') opaque = runtime;
  }
  return { byName, directory, opaque };
}

function createIntrospector(
  options: ResolvedOptions<object>,
  issuer: ResolvedIssuer,
  keys: KeySource | undefined,
  events: EventEmitter<VerifierEvents>,
): Introspector {
  const introspection = issuer.introspection!;
  const jwks = resolveJwksCacheOptions(options.jwks);
  const introspector = new Introspector(issuer.issuer, introspection, {
    rules: {
      issuer: issuer.issuer,
      audiences: issuer.audiences,
      requireAudience: introspection.requireAudience,
      clockTolerance: options.clockTolerance,
      maxTokenAge: options.maxTokenAge,
      requiredClaims: options.requiredClaims,
    },
    jwt: {
      issuer: issuer.issuer,
      clientId: introspection.clientId,
      algorithms: issuer.algorithms,
      keys,
      secret: issuer.secret,
      clockTolerance: options.clockTolerance,
      realm: options.realm,
    },
    discoveryMaxBytes: options.discoveryMaxBytes,
    realm: options.realm,
    errorCooldown: jwks.errorCooldown,
    fetch: jwks.fetch,
  });
  introspector.on('introspection_completed', (event) => events.emit('introspection_completed', event));
  introspector.on('introspection_failed', (event) => events.emit('introspection_failed', event));
  introspector.on('introspection_cache_failed', (event) => events.emit('introspection_cache_failed', event));
  introspector.on('discovery_failed', (event) => events.emit('discovery_failed', event));
  return introspector;
}

function forwardKeyEvents(keys: IssuerKeys, events: EventEmitter<VerifierEvents>): void {
  keys.on('jwks_fetched', (event) => events.emit('jwks_fetched', event));
  keys.on('jwks_refresh_failed', (event) => events.emit('jwks_refresh_failed', event));
  keys.on('jwks_stale', (event) => events.emit('jwks_stale', event));
  keys.on('keys_unavailable', (event) => events.emit('keys_unavailable', event));
  keys.on('discovery_failed', (event) => events.emit('discovery_failed', event));
}
