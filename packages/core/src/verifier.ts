/**
 * The verifier: from a request or a token to a verified {@link AccessToken}, or an {@link AuthError}.
 */
import { EventEmitter } from 'node:events';
import { algorithmSpec, type AlgorithmSpec } from './jwt/algorithms.js';
import { checkClaims, checkTokenType, type ClaimRules } from './jwt/claims.js';
import { extractCredential, type CredentialOptions } from './request/credential.js';
import {
  AuthError,
  CredentialsRequiredError,
  InvalidTokenError,
  type AuthErrorCode,
  type RejectReason,
} from './errors.js';
import { IssuerKeys, type IssuerKeysEvents, type IssuerKeysStats } from './keys/issuer-keys.js';
import type { VerificationKey } from './keys/jwk-import.js';
import { ownedJws, parseJwsShared, type ParsedJws } from './jwt/jws.js';
import { resolveOptions, type ResolvedIssuer, type ResolvedOptions, type VerifierOptions } from './options.js';
import { checkScopes, extractScopes } from './scopes.js';
import { keyFitsAlgorithm, verifyAsymmetric, verifyHmac } from './jwt/signature.js';
import { TokenCache, deepFreeze, type CachedToken } from './token-cache.js';
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
  /** Keys for `kid` (all keys when undefined) if they can be had without waiting; else undefined. */
  peek(kid: string | undefined): readonly VerificationKey[] | undefined;
  /** Keys for `kid`, fetching if needed; `[]` when still unknown; throws `KeysUnavailableError`. */
  load(kid: string | undefined): Promise<readonly VerificationKey[]>;
}

/** The payload of the `token_rejected` event. Never holds the token. */
export interface TokenRejectedEvent {
  code: AuthErrorCode;
  reason: RejectReason;
  status: number;
  issuer: string | undefined;
}

/** Counters returned by {@link Verifier.stats}. */
export interface VerifierStats {
  verified: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Verified-token cache hits and misses (zeros when the cache is off). */
  tokenCache: { hits: number; misses: number; size: number };
  issuers: Record<string, IssuerKeysStats | undefined>;
}

/** Events of a verifier: the JWKS and discovery events of its issuers, and `token_rejected`. */
export type VerifierEvents = IssuerKeysEvents & { token_rejected: [TokenRejectedEvent] };

interface IssuerRuntime extends ResolvedIssuer {
  /** The configured key source, or the JWKS cache; undefined for an HMAC-only issuer. */
  readonly keys: KeySource | undefined;
  /** The JWKS cache when the verifier made one (for stats and close). */
  readonly jwks: IssuerKeys | undefined;
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
  /** The configured realm, for challenges an adapter builds. */
  readonly realm: string | undefined;
  /** Subscribes to an event; see {@link VerifierEvents}. */
  on<K extends keyof VerifierEvents>(event: K, listener: (...args: VerifierEvents[K]) => void): this;
  off<K extends keyof VerifierEvents>(event: K, listener: (...args: VerifierEvents[K]) => void): this;
  stats(): VerifierStats;
  /** Releases the JWKS caches: aborts in-flight fetches. The verifier must not be used after. */
  close(): void;
}

class JwtVerifier<C extends object> extends EventEmitter<VerifierEvents> implements Verifier<C> {
  readonly realm: string | undefined;
  readonly #options: ResolvedOptions<C>;
  readonly #issuers = new Map<string, IssuerRuntime>();
  readonly #claimRulesByIssuer = new Map<string, ClaimRules>();
  readonly #credentialOptions: CredentialOptions;
  readonly #tokenCache: TokenCache | undefined;
  #verified = 0;
  #rejected = 0;
  readonly #rejectedByReason: Partial<Record<RejectReason, number>> = {};

  constructor(options: ResolvedOptions<C>) {
    super();
    this.#options = options;
    this.realm = options.realm;
    this.#credentialOptions = {
      allowQueryToken: options.allowQueryToken,
      allowFormBodyToken: options.allowFormBodyToken,
      realm: options.realm,
    };
    this.#tokenCache = options.tokenCache === false ? undefined : new TokenCache(options.tokenCache);
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
      this.#issuers.set(issuer.issuer, { ...issuer, keys: issuer.needsKeys ? (issuer.keySource ?? jwks) : undefined, jwks });
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

  #forward(keys: IssuerKeys): void {
    keys.on('jwks_fetched', (event) => this.emit('jwks_fetched', event));
    keys.on('jwks_refresh_failed', (event) => this.emit('jwks_refresh_failed', event));
    keys.on('jwks_stale', (event) => this.emit('jwks_stale', event));
    keys.on('keys_unavailable', (event) => this.emit('keys_unavailable', event));
    keys.on('discovery_failed', (event) => this.emit('discovery_failed', event));
  }

  // Not async themselves: each hands back #verifyToken's own promise, one promise per request.
  verify(tokenOrRequest: string | RequestDescriptor): Promise<AccessToken<C>> {
    if (typeof tokenOrRequest === 'string') return this.#verifyToken(tokenOrRequest);
    return this.#verifyRequest(tokenOrRequest, false) as Promise<AccessToken<C>>;
  }

  authenticate(request: RequestDescriptor, options?: { optional?: boolean }): Promise<AccessToken<C> | undefined> {
    return this.#verifyRequest(request, options?.optional === true);
  }

  #verifyRequest(request: RequestDescriptor, optional: boolean): Promise<AccessToken<C> | undefined> {
    let token: string | undefined;
    try {
      token = extractCredential(request, this.#credentialOptions);
      if (token === undefined) {
        if (optional) return Promise.resolve(undefined);
        throw new CredentialsRequiredError(this.realm);
      }
    } catch (error) {
      return Promise.reject(this.#recordRejection(error, undefined));
    }
    return this.#verifyToken(token);
  }

  checkScopes(token: AccessToken<C> | undefined | null, requirement: ScopeRequirement): void {
    try {
      if (token === undefined || token === null) throw new CredentialsRequiredError(this.realm);
      checkScopes(token.scopes, requirement, this.realm);
    } catch (error) {
      throw this.#recordRejection(error, token?.issuer);
    }
  }

  /**
   * Synchronous as far as it can be: a token whose issuer's keys are at hand, with no `validate`
   * hook, is judged without an `await`, and the answer handed back in a settled promise. Only a key
   * fetch or `validate` continues asynchronously.
   */
  #verifyToken(token: string): Promise<AccessToken<C>> {
    let issuer: string | undefined;
    try {
      if (typeof token !== 'string' || token.length === 0) throw new CredentialsRequiredError(this.realm);
      if (token.length > this.#options.maxTokenLength) {
        throw new InvalidTokenError({ reason: 'token_too_large', description: 'the token is too large', realm: this.realm });
      }
      const cached = this.#tokenCache?.get(token);
      if (cached !== undefined) {
        issuer = cached.auth.issuer;
        if (this.#stillValid(token, cached)) {
          const validate = this.#options.validate;
          if (validate !== undefined) {
            const auth = cached.auth as AccessToken<C>;
            return this.#runValidate(validate, auth.claims, auth.header).then(
              () => {
                this.#verified++;
                return auth;
              },
              (error: unknown) => {
                throw this.#recordRejection(error, auth.issuer);
              },
            );
          }
          this.#verified++;
          return Promise.resolve(cached.auth as AccessToken<C>);
        }
      }
      // Views of a shared buffer: used synchronously below, copied before any await.
      const jws = parseJwsShared(token, this.realm);
      const iss = jws.claims.iss;
      const runtime = typeof iss === 'string' ? this.#issuers.get(iss) : undefined;
      if (runtime === undefined) {
        // Chosen from the configured list only: an unknown issuer costs no network request.
        throw new InvalidTokenError({ reason: 'invalid_issuer', description: 'the token issuer is not accepted', realm: this.realm });
      }
      issuer = runtime.issuer;
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
        if (keys === undefined) return this.#verifyWithLoadedKeys(token, ownedJws(jws), runtime, alg, spec);
        key = this.#checkSignature(keys, alg, spec, jws);
      }
      const result = this.#acceptSigned(token, jws, runtime.issuer, key);
      if (!(result instanceof Promise)) return Promise.resolve(result);
      const accepted = runtime.issuer;
      return result.catch((error: unknown) => {
        throw this.#recordRejection(error, accepted);
      });
    } catch (error) {
      return Promise.reject(this.#recordRejection(error, issuer));
    }
  }

  /** The rest of {@link #verifyToken} when the issuer's keys must be fetched first. */
  async #verifyWithLoadedKeys(token: string, jws: ParsedJws, runtime: IssuerRuntime, alg: string, spec: AlgorithmSpec): Promise<AccessToken<C>> {
    try {
      const keys = await runtime.keys!.load(jws.header.kid);
      const key = this.#checkSignature(keys, alg, spec, jws);
      return await this.#acceptSigned(token, jws, runtime.issuer, key);
    } catch (error) {
      throw this.#recordRejection(error, runtime.issuer);
    }
  }

  /**
   * After the signature: the claims, `validate`, the AccessToken and the cache. Throws (unrecorded)
   * when the claims are refused; returns a promise only when `validate` is set.
   */
  #acceptSigned(token: string, jws: ParsedJws, issuer: string, key: VerificationKey | undefined): AccessToken<C> | Promise<AccessToken<C>> {
    const nowMs = Date.now();
    checkClaims(jws.claims, this.#claimRulesByIssuer.get(issuer)!, Math.floor(nowMs / 1000), this.realm);
    const validate = this.#options.validate;
    if (validate === undefined) return this.#admit(token, jws, issuer, key, nowMs);
    return this.#runValidate(validate, jws.claims, jws.header).then(() => this.#admit(token, jws, issuer, key, nowMs));
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
    this.#verified++;
    return auth;
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
    if (!valid) this.#tokenCache!.delete(token);
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
    });
  }

  #recordRejection(error: unknown, issuer: string | undefined): AuthError {
    const authError =
      error instanceof AuthError
        ? error
        : new InvalidTokenError({ reason: 'malformed_token', description: 'the token could not be verified', realm: this.realm, cause: error });
    this.#rejected++;
    this.#rejectedByReason[authError.reason] = (this.#rejectedByReason[authError.reason] ?? 0) + 1;
    if (this.listenerCount('token_rejected') > 0) {
      const event: TokenRejectedEvent = { code: authError.code, reason: authError.reason, status: authError.status, issuer };
      this.emit('token_rejected', event);
    }
    return authError;
  }

  stats(): VerifierStats {
    const issuers: VerifierStats['issuers'] = {};
    for (const [name, runtime] of this.#issuers) issuers[name] = runtime.jwks?.stats();
    const cache = this.#tokenCache;
    return {
      verified: this.#verified,
      rejected: this.#rejected,
      rejectedByReason: { ...this.#rejectedByReason },
      tokenCache: { hits: cache?.hits ?? 0, misses: cache?.misses ?? 0, size: cache?.size ?? 0 },
      issuers,
    };
  }

  close(): void {
    for (const runtime of this.#issuers.values()) runtime.jwks?.close();
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
