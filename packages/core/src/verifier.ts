/**
 * The verifier: from a request or a token to a verified {@link AccessToken}, or an {@link AuthError}.
 */
import { EventEmitter } from 'node:events';
import { algorithmSpec, type AlgorithmSpec } from './jwt/algorithms.js';
import { checkClaims, checkTokenType, type ClaimRules } from './jwt/claims.js';
import { credentialScheme, readCredential, type Credential, type CredentialOptions } from './request/credential.js';
import { SenderBinding, type ReplayStoreFailedEvent } from './binding/sender-binding.js';
import type { ChallengeContext, TokenScheme } from './challenge.js';
import {
  AuthError,
  CredentialsRequiredError,
  InvalidTokenError,
  type AuthErrorCode,
  type RejectReason,
} from './errors.js';
import { IssuerKeys, type IssuerKeysEvents, type IssuerKeysStats } from './keys/issuer-keys.js';
import { boundKeySource, type KeySourceFailureEvent } from './keys/bounded-key-source.js';
import { prepareIssuers } from './keys/ready.js';
import type { JwksFailureEvent } from './keys/jwks-cache.js';
import type { VerificationKey } from './keys/jwk-import.js';
import { ownedJws, parseJwsShared, type ParsedJws } from './jwt/jws.js';
import { resolveOptions, type ResolvedIssuer, type ResolvedOptions, type VerifierOptions } from './options.js';
import type { ResourceMetadata } from './metadata/resource-metadata.js';
import { checkScopes, extractScopes } from './scopes.js';
import { keyFitsAlgorithm, verifyAsymmetric, verifyHmac } from './jwt/signature.js';
import { TokenCache, deepFreeze, type CachedToken } from './token-cache.js';
import { Introspector, type IntrospectionEvents, type IntrospectionStats } from './introspection/introspector.js';
import { resolveJwksCacheOptions } from './keys/jwks-options.js';
import type { AccessToken, JwtClaims, JwtHeader, RequestDescriptor, ScopeRequirement } from './types.js';

/**
 * Where a verifier gets an issuer's keys: the JWKS cache by default, or your own (`keySource` in an
 * issuer configuration), e.g. keys from a file or a cache shared between processes.
 *
 * @example
 * ```ts
 * const key = importVerificationKey(jwk)!;
 * const keySource: KeySource = { peek: () => [key], load: async () => [key] };
 * createVerifier({ issuer: [{ issuer: 'https://auth.example.com/', keySource }], audience: 'api' });
 * ```
 */
export interface KeySource {
  /**
   * Keys for `kid` (all keys when undefined) if they can be had without waiting; else undefined.
   * A throw is a 503 `keys_unavailable`, as for `load`.
   */
  peek(kid: string | undefined): readonly VerificationKey[] | undefined;
  /**
   * Keys for `kid`, fetching if needed; `[]` when still unknown. Bounded like a JWKS fetch: a load
   * that does not settle within `jwks.timeout`, rejects, or throws is a 503 `keys_unavailable` with
   * `Retry-After` (`jwks.errorCooldown`) and the verifier's `keys_unavailable` event; a
   * `KeysUnavailableError` (or another `AuthError`) you throw is answered as it is.
   */
  load(kid: string | undefined): Promise<readonly VerificationKey[]>;
}

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
}

/** Longest `tokenIssuer` reported in a `token_rejected` event; a longer `iss` is cut and ends in `…`. */
export const MAX_REPORTED_ISSUER_LENGTH = 256;

function reportedIssuer(iss: unknown): string | undefined {
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

/** Failures of `parseJws` that mean "not a compact JWS at all": such a token may be opaque. */
const NOT_A_JWS = new Set<RejectReason>(['malformed_token', 'malformed_header', 'malformed_payload']);

/** An opaque token has no JOSE header; handlers and `validate` get this one. */
const OPAQUE_HEADER: JwtHeader = Object.freeze({ alg: '' });

interface IssuerRuntime extends ResolvedIssuer {
  /** The configured key source, or the JWKS cache; undefined for an HMAC-only issuer. */
  readonly keys: KeySource | undefined;
  /** The JWKS cache when the verifier made one (for stats and close). */
  readonly jwks: IssuerKeys | undefined;
  /** For an issuer with `introspection`. */
  readonly introspector: Introspector | undefined;
}

/**
 * Verifies bearer access tokens. Create one per API with {@link createVerifier} and share it: it
 * holds the JWKS cache.
 */
export interface Verifier<C extends object = JwtClaims> {
  /**
   * Verifies a token, or the credential of a request descriptor. Resolves to the verified token;
   * rejects with an {@link AuthError} (400, 401, 503) and nothing else.
   */
  verify(tokenOrRequest: string | RequestDescriptor): Promise<AccessToken<C>>;
  /**
   * For adapters: like `verify(request)`, but with `optional`, a request that carries no credential
   * resolves to undefined instead of a 401. An invalid credential is still refused.
   */
  authenticate(request: RequestDescriptor, options?: { optional?: boolean }): Promise<AccessToken<C> | undefined>;
  /**
   * Throws `InsufficientScopeError` (403) unless the token satisfies the requirement, or
   * `CredentialsRequiredError` (401) when there is no token (a scoped route in optional mode).
   */
  checkScopes(token: AccessToken<C> | undefined | null, requirement: ScopeRequirement): void;
  /**
   * For adapters: the headers to add to the successful answer of a request this verifier accepted,
   * or undefined when there are none (the usual case). With `dpop.nonce`, a request with a DPoP-bound
   * token gets the current `DPoP-Nonce` (RFC 9449 §8.2), so that its client moves to a new nonce
   * before the old one expires instead of after a 401. Optional, so that an object of your own that
   * implements the rest still fits the adapters.
   *
   * @example
   * ```ts
   * const auth = await verifier.authenticate(describeRequest(req));
   * for (const [name, value] of Object.entries(verifier.responseHeaders?.(auth) ?? {})) res.setHeader(name, value);
   * ```
   */
  responseHeaders?(token: AccessToken<C> | undefined): Readonly<Record<string, string>> | undefined;
  /** The configured realm, for challenges an adapter builds. */
  readonly realm: string | undefined;
  /**
   * The RFC 9728 metadata from the `resourceMetadata` option (undefined without it): adapters serve
   * `resourceMetadata.serve(request)` and every challenge names `resourceMetadata.url`.
   */
  readonly resourceMetadata: ResourceMetadata | undefined;
  /** Subscribes to an event; see {@link VerifierEvents}. */
  on<K extends keyof VerifierEvents>(event: K, listener: (...args: VerifierEvents[K]) => void): this;
  off<K extends keyof VerifierEvents>(event: K, listener: (...args: VerifierEvents[K]) => void): this;
  stats(): VerifierStats;
  /**
   * Fetches, ahead of the first request, what every configured issuer needs: discovery and the JWKS
   * (or the issuer's `keySource`), and the introspection endpoint. Resolves when all of it is at hand;
   * rejects with the 503 error a request would get (`KeysUnavailableError`, `IntrospectionUnavailableError`)
   * when something cannot be had, never later than the fetch timeouts. For readiness probes and warm-ups.
   *
   * @example
   * ```ts
   * app.get('/ready', async (_req, res) => {
   *   try { await verifier.ready(); res.sendStatus(200); } catch { res.sendStatus(503); }
   * });
   * ```
   */
  ready(): Promise<void>;
  /** Releases the JWKS caches and aborts in-flight fetches and introspections. The verifier must not be used after. */
  close(): void;
}

class JwtVerifier<C extends object> extends EventEmitter<VerifierEvents> implements Verifier<C> {
  readonly realm: string | undefined;
  readonly resourceMetadata: ResourceMetadata | undefined;
  readonly #options: ResolvedOptions<C>;
  readonly #issuers = new Map<string, IssuerRuntime>();
  readonly #claimRulesByIssuer = new Map<string, ClaimRules>();
  readonly #credentialOptions: CredentialOptions;
  readonly #tokenCache: TokenCache | undefined;
  /** The issuer that takes tokens which are no compact JWS, if one is configured. */
  #opaqueIssuer: IssuerRuntime | undefined;
  readonly #binding: SenderBinding;
  /** Challenge contexts by the scheme the client used ('none' for no credential). */
  readonly #challenges: Readonly<Record<TokenScheme | 'none', ChallengeContext>>;
  #verified = 0;
  #rejected = 0;
  readonly #rejectedByReason: Partial<Record<RejectReason, number>> = {};

  constructor(options: ResolvedOptions<C>) {
    super();
    this.#options = options;
    this.realm = options.realm;
    this.resourceMetadata = options.resourceMetadata;
    this.#credentialOptions = {
      allowQueryToken: options.allowQueryToken,
      allowFormBodyToken: options.allowFormBodyToken,
      realm: options.realm,
      dpop: options.dpop.mode,
    };
    this.#binding = new SenderBinding(options.dpop, options.mtls, options.realm, (event) => {
      if (this.listenerCount('replay_store_failed') > 0) this.#emitSafely('replay_store_failed', event);
    });
    const mode = options.dpop.mode;
    const offered: readonly TokenScheme[] = Object.freeze(mode === 'required' ? ['DPoP'] : mode === 'disabled' ? ['Bearer'] : ['Bearer', 'DPoP']);
    const context = (scheme: TokenScheme | undefined): ChallengeContext =>
      // A refusal answers in the scheme the client used (RFC 9449 §7.2), or the one accepted scheme;
      // with no credential, none (formatChallenges offers every accepted scheme, or the first for an error code).
      Object.freeze({
        scheme: scheme === undefined ? undefined : offered.includes(scheme) ? scheme : offered[0],
        offered,
        dpopAlgs: options.dpop.algs,
        resourceMetadata: options.resourceMetadata?.url,
      });
    this.#challenges = Object.freeze({ Bearer: context('Bearer'), DPoP: context('DPoP'), none: context(undefined) });
    this.#tokenCache = options.tokenCache === false ? undefined : new TokenCache(options.tokenCache);
    const jwksOptions = resolveJwksCacheOptions(options.jwks);
    for (const issuer of options.issuers) {
      let jwks: IssuerKeys | undefined;
      if (issuer.needsKeys && issuer.keySource === undefined) {
        jwks = new IssuerKeys(issuer.issuer, {
          jwksUri: issuer.jwksUri,
          jwks: options.jwks,
          discoveryMaxBytes: options.discoveryMaxBytes,
        });
        this.#forward(jwks);
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
              onUnavailable: (error) => this.#emitSafely('keys_unavailable', { uri: undefined, issuer: issuer.issuer, error }),
            });
      const introspector = issuer.introspection === undefined ? undefined : this.#introspector(issuer, keys);
      const runtime: IssuerRuntime = { ...issuer, keys, jwks, introspector };
      this.#issuers.set(issuer.issuer, runtime);
      if (introspector !== undefined && issuer.introspect === undefined) this.#opaqueIssuer = runtime;
      const rules: ClaimRules = {
        audiences: issuer.audiences,
        clockTolerance: options.clockTolerance,
        maxTokenAge: options.maxTokenAge,
        tokenType: options.tokenType,
        requiredClaims: options.requiredClaims,
      };
      this.#claimRulesByIssuer.set(issuer.issuer, rules);
    }
  }

  #introspector(issuer: ResolvedIssuer, keys: KeySource | undefined): Introspector {
    const options = this.#options;
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
    introspector.on('introspection_completed', (event) => this.emit('introspection_completed', event));
    introspector.on('introspection_failed', (event) => this.emit('introspection_failed', event));
    introspector.on('introspection_cache_failed', (event) => this.emit('introspection_cache_failed', event));
    introspector.on('discovery_failed', (event) => this.emit('discovery_failed', event));
    return introspector;
  }

  #forward(keys: IssuerKeys): void {
    keys.on('jwks_fetched', (event) => this.emit('jwks_fetched', event));
    keys.on('jwks_refresh_failed', (event) => this.emit('jwks_refresh_failed', event));
    keys.on('jwks_stale', (event) => this.emit('jwks_stale', event));
    keys.on('keys_unavailable', (event) => this.emit('keys_unavailable', event));
    keys.on('discovery_failed', (event) => this.emit('discovery_failed', event));
  }

  // Not async themselves: each hands back #verifyToken's own promise, one promise per request.
  verify(tokenOrRequest: string | RequestDescriptor): Promise<AccessToken<C>> {
    if (typeof tokenOrRequest === 'string') return this.#verifyToken(tokenOrRequest, undefined, undefined);
    return this.#verifyRequest(tokenOrRequest, false) as Promise<AccessToken<C>>;
  }

  authenticate(request: RequestDescriptor, options?: { optional?: boolean }): Promise<AccessToken<C> | undefined> {
    return this.#verifyRequest(request, options?.optional === true);
  }

  #verifyRequest(request: RequestDescriptor, optional: boolean): Promise<AccessToken<C> | undefined> {
    let credential: Credential | undefined;
    try {
      credential = readCredential(request, this.#credentialOptions);
      if (credential === undefined) {
        if (optional) return Promise.resolve(undefined);
        throw new CredentialsRequiredError(this.realm);
      }
      if (credential.scheme === 'Bearer' && this.#options.dpop.mode === 'required') {
        throw new InvalidTokenError({ reason: 'dpop_required', description: 'this resource requires a DPoP-bound token', realm: this.realm });
      }
    } catch (error) {
      return Promise.reject(this.#recordRejection(error, undefined, credentialScheme(request, this.#options.dpop.mode)));
    }
    return this.#verifyToken(credential.token, credential, request);
  }

  responseHeaders(token: AccessToken<C> | undefined): Readonly<Record<string, string>> | undefined {
    const { nonces, mode } = this.#options.dpop;
    // A token with cnf.jkt passes only in the DPoP scheme: its request was a DPoP one.
    if (nonces === undefined || mode === 'disabled' || token?.cnf?.jkt === undefined) return undefined;
    return nonces.successHeaders();
  }

  checkScopes(token: AccessToken<C> | undefined | null, requirement: ScopeRequirement): void {
    try {
      if (token === undefined || token === null) throw new CredentialsRequiredError(this.realm);
      checkScopes(token.scopes, requirement, this.realm);
    } catch (error) {
      // A DPoP-bound token can only have come in the DPoP scheme; the 403 answers in it.
      const scheme: TokenScheme | undefined = token == null ? undefined : token.cnf?.jkt !== undefined ? 'DPoP' : 'Bearer';
      throw this.#recordRejection(error, token?.issuer, scheme);
    }
  }

  /**
   * Steps 2 and 3 of a request: the token (or the token cache), then its sender binding, which is never
   * cached. `credential` and `request` are undefined for `verify(token)`. Synchronous as far as it can
   * be: a bearer JWT whose issuer's keys are at hand, with no `validate` hook, is judged without an
   * `await` and answered in a settled promise; a key fetch, introspection, `validate` or a DPoP replay
   * check continues asynchronously. Every refusal is recorded once, here or in {@link #recorded}.
   */
  #verifyToken(token: string, credential: Credential | undefined, request: RequestDescriptor | undefined): Promise<AccessToken<C>> {
    let issuer: string | undefined;
    let tokenIssuer: unknown;
    const scheme = credential?.scheme ?? 'Bearer';
    try {
      if (typeof token !== 'string' || token.length === 0) throw new CredentialsRequiredError(this.realm);
      if (token.length > this.#options.maxTokenLength) {
        throw new InvalidTokenError({ reason: 'token_too_large', description: 'the token is too large', realm: this.realm });
      }
      const cached = this.#tokenCache?.get(token);
      if (cached !== undefined) {
        issuer = cached.auth.issuer;
        if (this.#stillValid(token, cached)) {
          const auth = cached.auth as AccessToken<C>;
          const runtime = this.#issuers.get(issuer)!;
          const validate = this.#options.validate;
          if (runtime.introspect === 'always' || validate !== undefined) {
            return this.#recorded(this.#afterCacheHit(auth, runtime, credential, request), issuer, scheme);
          }
          return this.#settle(this.#finish(auth, credential, request), issuer, scheme);
        }
      }
      let jws: ParsedJws | undefined;
      try {
        // A token without two dots is no compact JWS; with an opaque issuer, skip the throw of parseJws.
        // Views of a shared buffer: used synchronously below, copied (ownedJws) before any await.
        if (this.#opaqueIssuer === undefined || token.indexOf('.') !== -1) jws = parseJwsShared(token, this.realm);
      } catch (error) {
        // Not a compact JWS: an opaque token, for the one issuer that introspects them (if any).
        if (this.#opaqueIssuer === undefined || !(error instanceof InvalidTokenError) || !NOT_A_JWS.has(error.reason)) throw error;
      }
      if (jws === undefined) {
        const opaque = this.#opaqueIssuer!;
        issuer = opaque.issuer;
        return this.#recorded(this.#introspected(token, opaque, undefined, credential, request), issuer, scheme);
      }
      const iss = jws.claims.iss;
      const runtime = typeof iss === 'string' ? this.#issuers.get(iss) : undefined;
      if (runtime === undefined) {
        tokenIssuer = iss;
        // Chosen from the configured list only: an unknown issuer costs no network request, and a
        // token is never sent to an introspection endpoint of a server that did not issue it.
        throw new InvalidTokenError({ reason: 'invalid_issuer', description: 'the token issuer is not accepted', realm: this.realm });
      }
      issuer = runtime.issuer;
      if (runtime.introspector !== undefined && runtime.introspect === undefined) {
        return this.#recorded(this.#introspected(token, runtime, jws.header, credential, request), issuer, scheme);
      }
      const alg = jws.header.alg;
      const spec = runtime.algorithms.has(alg) ? algorithmSpec(alg) : undefined;
      if (spec === undefined) {
        throw new InvalidTokenError({ reason: 'algorithm_not_allowed', description: 'the token algorithm is not allowed', realm: this.realm });
      }
      checkTokenType(jws.header, this.#options.tokenType, this.realm);
      let key: VerificationKey | undefined;
      if (spec.kty === 'oct') this.#checkHmac(runtime, spec, jws);
      else {
        const keys = runtime.keys!.peek(jws.header.kid);
        if (keys === undefined) {
          return this.#recorded(this.#verifyWithLoadedKeys(token, ownedJws(jws), runtime, alg, spec, credential, request), issuer, scheme);
        }
        key = this.#checkSignature(keys, alg, spec, jws);
      }
      return this.#settle(this.#acceptSigned(token, jws, runtime, key, credential, request), issuer, scheme);
    } catch (error) {
      return Promise.reject(this.#recordRejection(error, issuer, scheme, tokenIssuer));
    }
  }

  /** A verdict reached synchronously as a settled promise; an asynchronous one with its refusal recorded. */
  #settle(result: AccessToken<C> | Promise<AccessToken<C>>, issuer: string, scheme: TokenScheme): Promise<AccessToken<C>> {
    return result instanceof Promise ? this.#recorded(result, issuer, scheme) : Promise.resolve(result);
  }

  #recorded(result: Promise<AccessToken<C>>, issuer: string, scheme: TokenScheme): Promise<AccessToken<C>> {
    return result.catch((error: unknown) => {
      throw this.#recordRejection(error, issuer, scheme);
    });
  }

  /** A cache hit that still needs `introspect: 'always'` or `validate`. */
  async #afterCacheHit(
    auth: AccessToken<C>,
    runtime: IssuerRuntime,
    credential: Credential | undefined,
    request: RequestDescriptor | undefined,
  ): Promise<AccessToken<C>> {
    // The local verdict is cached; whether the server still considers the token active is not.
    if (runtime.introspect === 'always') auth = this.#withServerBinding(auth, await runtime.introspector!.introspect(auth.token));
    const validate = this.#options.validate;
    if (validate !== undefined) await this.#runValidate(validate, auth.claims, auth.header);
    return this.#finish(auth, credential, request);
  }

  /** The rest of {@link #verifyToken} when the issuer's keys must be fetched first. */
  async #verifyWithLoadedKeys(
    token: string,
    jws: ParsedJws,
    runtime: IssuerRuntime,
    alg: string,
    spec: AlgorithmSpec,
    credential: Credential | undefined,
    request: RequestDescriptor | undefined,
  ): Promise<AccessToken<C>> {
    const keys = await runtime.keys!.load(jws.header.kid);
    const key = this.#checkSignature(keys, alg, spec, jws);
    return this.#acceptSigned(token, jws, runtime, key, credential, request);
  }

  /**
   * After the signature: the claims, `introspect: 'always'`, `validate`, the AccessToken and the
   * cache, then the binding. Throws (unrecorded) when the claims are refused; returns a promise only
   * when something on the way is asynchronous.
   */
  #acceptSigned(
    token: string,
    jws: ParsedJws,
    runtime: IssuerRuntime,
    key: VerificationKey | undefined,
    credential: Credential | undefined,
    request: RequestDescriptor | undefined,
  ): AccessToken<C> | Promise<AccessToken<C>> {
    const nowMs = Date.now();
    checkClaims(jws.claims, this.#claimRulesByIssuer.get(runtime.issuer)!, Math.floor(nowMs / 1000), this.realm);
    const validate = this.#options.validate;
    if (validate === undefined && runtime.introspect !== 'always') {
      return this.#finish(this.#admit(token, jws, runtime.issuer, key, nowMs), credential, request);
    }
    const owned = ownedJws(jws);
    return (async () => {
      const served = runtime.introspect === 'always' ? await runtime.introspector!.introspect(token) : undefined;
      if (validate !== undefined) await this.#runValidate(validate, owned.claims, owned.header);
      const auth = this.#admit(token, owned, runtime.issuer, key, nowMs);
      return this.#finish(served === undefined ? auth : this.#withServerBinding(auth, served), credential, request);
    })();
  }

  /**
   * `introspect: 'always'`: the server's answer may bind the token as well (a `cnf` member, RFC 7662 §2.2
   * with RFC 9449 §6.2 and RFC 8705 §3.2), and a binding it names is enforced like the JWT's own. A
   * member the JWT lacks is added (to this request's view only: the cached token keeps the JWT's); a
   * member both name must agree, or the token is refused rather than checked against either.
   */
  #withServerBinding(auth: AccessToken<C>, served: JwtClaims): AccessToken<C> {
    const servedCnf = served.cnf as Readonly<Record<string, unknown>> | undefined;
    if (servedCnf === undefined) return auth;
    const own = auth.cnf;
    let added: Record<string, unknown> | undefined;
    for (const member of ['jkt', 'x5t#S256'] as const) {
      const value = servedCnf[member];
      if (value === undefined) continue;
      const mine = own?.[member];
      if (mine === undefined) (added ??= { ...own })[member] = value;
      else if (mine !== value) {
        throw new InvalidTokenError({ reason: 'binding_conflict', description: 'the token and its introspection name different bindings', realm: this.realm });
      }
    }
    return added === undefined ? auth : Object.freeze({ ...auth, cnf: Object.freeze(added) });
  }

  #admit(token: string, jws: ParsedJws, issuer: string, key: VerificationKey | undefined, nowMs: number): AccessToken<C> {
    const cache = this.#tokenCache;
    const { claims, signature } = jws;
    // Verified, so the signature came from the issuer's key: its first bytes tell tokens apart.
    const tag = signature.length >= 4 ? signature.readUInt32LE(0) : signature.length;
    const ttl = cache === undefined ? 0 : cache.admit(token, claims.exp!, nowMs, this.#options.clockTolerance, tag);
    const auth = this.#accessToken(token, jws, issuer, ttl > 0);
    if (ttl > 0) {
      const entry: CachedToken = { auth, key, kid: jws.header.kid, exp: claims.exp!, nbf: claims.nbf, iat: claims.iat };
      cache!.set(token, entry, ttl);
    }
    return auth;
  }

  /** Step 3: the sender binding (never cached); then the token counts as verified. */
  #finish(auth: AccessToken<C>, credential: Credential | undefined, request: RequestDescriptor | undefined): AccessToken<C> | Promise<AccessToken<C>> {
    const binding = this.#binding.check(auth, credential, request);
    if (binding === undefined) {
      this.#verified++;
      return auth;
    }
    return binding.then(() => {
      this.#verified++;
      return auth;
    });
  }

  /** The introspection path: the response members become the claims of the same {@link AccessToken}. */
  async #introspected(
    token: string,
    runtime: IssuerRuntime,
    header: JwtHeader | undefined,
    credential: Credential | undefined,
    request: RequestDescriptor | undefined,
  ): Promise<AccessToken<C>> {
    const claims = deepFreeze(await runtime.introspector!.introspect(token));
    const validate = this.#options.validate;
    const shownHeader = header ?? OPAQUE_HEADER;
    if (validate !== undefined) await this.#runValidate(validate, claims, shownHeader);
    const aud = claims.aud;
    const exp = claims.exp ?? Math.floor(Date.now() / 1000 + runtime.introspection!.cacheTtlMs / 1000);
    const cnf = claims.cnf;
    const auth: AccessToken<C> = Object.freeze({
      token,
      header: shownHeader,
      claims: claims as unknown as AccessToken<C>['claims'],
      scopes: extractScopes(claims, this.#options.scopeClaims),
      subject: claims.sub,
      clientId: claims.client_id,
      issuer: runtime.issuer,
      audience: Object.freeze(typeof aud === 'string' ? [aud] : (aud ?? [])),
      expiresAt: new Date(exp * 1000),
      format: header === undefined ? ('opaque' as const) : ('jwt' as const),
      cnf: typeof cnf === 'object' && cnf !== null ? (cnf as Readonly<Record<string, unknown>>) : undefined,
    });
    return this.#finish(auth, credential, request);
  }

  /**
   * A cache hit is good only while its time claims still hold and the key that verified it is still
   * published; otherwise the entry goes and the token takes the full path (which gives the reason).
   */
  #stillValid(token: string, entry: CachedToken): boolean {
    const now = Math.floor(Date.now() / 1000);
    const tolerance = this.#options.clockTolerance;
    const maxAge = this.#options.maxTokenAge;
    let valid =
      entry.exp > now - tolerance &&
      (entry.nbf === undefined || entry.nbf <= now + tolerance) &&
      (maxAge === undefined || now - entry.iat! <= maxAge + tolerance);
    if (valid && entry.key !== undefined) {
      const keys = this.#issuers.get(entry.auth.issuer)?.keys?.peek(entry.kid);
      valid = keys !== undefined && keys.includes(entry.key);
    }
    if (!valid) this.#tokenCache!.evict(token);
    return valid;
  }

  #checkHmac(runtime: IssuerRuntime, spec: AlgorithmSpec, jws: ParsedJws): void {
    if (!verifyHmac(spec, runtime.secret!, jws.signingInput, jws.signature)) {
      throw new InvalidTokenError({ reason: 'invalid_signature', description: 'the token signature is invalid', realm: this.realm });
    }
  }

  /** Returns the key that verified the signature. */
  #checkSignature(keys: readonly VerificationKey[], alg: string, spec: AlgorithmSpec, jws: ParsedJws): VerificationKey {
    let candidates = 0;
    for (const key of keys) {
      if (!keyFitsAlgorithm(key, alg, spec)) continue;
      candidates++;
      if (verifyAsymmetric(spec, key.keyObject, jws.signingInput, jws.signature)) return key;
    }
    if (candidates > 0) {
      throw new InvalidTokenError({ reason: 'invalid_signature', description: 'the token signature is invalid', realm: this.realm });
    }
    if (keys.length > 0 && jws.header.kid !== undefined) {
      throw new InvalidTokenError({ reason: 'key_mismatch', description: 'the signing key does not fit the token algorithm', realm: this.realm });
    }
    throw new InvalidTokenError({ reason: 'unknown_key', description: 'the token signing key is not known', realm: this.realm });
  }

  async #runValidate(validate: NonNullable<ResolvedOptions<C>['validate']>, claims: object, header: JwtHeader): Promise<void> {
    let verdict: boolean | void;
    try {
      verdict = await validate(claims as AccessToken<C>['claims'], header);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      throw new InvalidTokenError({ reason: 'custom_validation_failed', description: 'the token was refused', realm: this.realm, cause: error });
    }
    if (verdict === false) {
      throw new InvalidTokenError({ reason: 'custom_validation_failed', description: 'the token was refused', realm: this.realm });
    }
  }

  #accessToken(token: string, jws: ParsedJws, issuer: string, cached: boolean): AccessToken<C> {
    // Frozen: with the token cache one object serves every request that carries this token.
    const claims = deepFreeze(jws.claims);
    const aud = claims.aud;
    const cnf: unknown = claims.cnf;
    if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))) {
      throw new InvalidTokenError({ reason: 'invalid_claim', description: 'the token cnf claim is not an object', realm: this.realm });
    }
    const scopes = extractScopes(claims, this.#options.scopeClaims);
    // Two literals, the same fields: V8 pretenures by allocation site, and the objects that go into
    // the token cache live long while the others die young (see TokenCache.set).
    if (cached) {
      return Object.freeze({
        token,
        header: jws.header,
        claims: claims as unknown as AccessToken<C>['claims'],
        scopes,
        subject: claims.sub,
        clientId: claims.client_id,
        issuer,
        audience: Object.freeze(typeof aud === 'string' ? [aud] : (aud ?? [])),
        expiresAt: new Date(claims.exp! * 1000),
        format: 'jwt' as const,
        cnf: cnf as Readonly<Record<string, unknown>> | undefined,
      });
    }
    return Object.freeze({
      token,
      header: jws.header,
      claims: claims as unknown as AccessToken<C>['claims'],
      scopes,
      subject: claims.sub,
      clientId: claims.client_id,
      issuer,
      audience: Object.freeze(typeof aud === 'string' ? [aud] : (aud ?? [])),
      expiresAt: new Date(claims.exp! * 1000),
      format: 'jwt' as const,
      cnf: cnf as Readonly<Record<string, unknown>> | undefined,
    });
  }

  #recordRejection(error: unknown, issuer: string | undefined, scheme: TokenScheme | undefined, tokenIssuer?: unknown): AuthError {
    const authError =
      error instanceof AuthError
        ? error
        : new InvalidTokenError({ reason: 'malformed_token', description: 'the token could not be verified', realm: this.realm, cause: error });
    // Stamped once, by the verifier that knows the schemes it accepts and its metadata URL; every refusal
    // (400, 401, 403) leaves through here. An error from `validate` keeps its own.
    authError.challenge ??= this.#challenges[scheme ?? 'none'];
    this.#rejected++;
    this.#rejectedByReason[authError.reason] = (this.#rejectedByReason[authError.reason] ?? 0) + 1;
    if (this.listenerCount('token_rejected') > 0) {
      const event: TokenRejectedEvent = { code: authError.code, reason: authError.reason, status: authError.status, issuer };
      if (authError.reason === 'invalid_issuer') event.tokenIssuer = reportedIssuer(tokenIssuer);
      this.#emitSafely('token_rejected', event);
    }
    return authError;
  }

  /** A throwing listener must not turn a refusal into a 500 (or a synchronous throw): it becomes a process warning. */
  #emitSafely<K extends 'token_rejected' | 'replay_store_failed' | 'keys_unavailable'>(event: K, payload: VerifierEvents[K][0]): void {
    try {
      (this.emit as (name: string, value: unknown) => boolean)(event, payload);
    } catch (listenerError) {
      process.emitWarning(listenerError instanceof Error ? listenerError : new Error(`a ${event} listener threw`));
    }
  }

  ready(): Promise<void> {
    return prepareIssuers(this.#issuers.values());
  }

  stats(): VerifierStats {
    const issuers: VerifierStats['issuers'] = {};
    const introspection: VerifierStats['introspection'] = {};
    for (const [name, runtime] of this.#issuers) {
      issuers[name] = runtime.jwks?.stats();
      if (runtime.introspector !== undefined) introspection[name] = runtime.introspector.stats();
    }
    const cache = this.#tokenCache;
    return {
      verified: this.#verified,
      rejected: this.#rejected,
      rejectedByReason: { ...this.#rejectedByReason },
      tokenCache: { hits: cache?.hits ?? 0, misses: cache?.misses ?? 0, size: cache?.size ?? 0 },
      issuers,
      introspection,
    };
  }

  close(): void {
    for (const runtime of this.#issuers.values()) {
      runtime.jwks?.close();
      runtime.introspector?.close();
    }
    this.#tokenCache?.clear();
    this.removeAllListeners();
  }
}

/**
 * Creates a verifier. Options are checked here, once: a wrong one is a `TypeError` naming it.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@portcullis/core';
 *
 * const verifier = createVerifier({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * const auth = await verifier.verify(token); // throws an AuthError when the token is refused
 * console.log(auth.subject, auth.scopes);
 * ```
 */
export function createVerifier<C extends object = JwtClaims>(options: VerifierOptions<C>): Verifier<C> {
  return new JwtVerifier<C>(resolveOptions(options));
}
