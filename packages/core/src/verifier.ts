// The verifier composes the stages of ARCHITECTURE.md (one folder each) and keeps the fast path
// synchronous: a bearer JWT whose keys are at hand, with no `validate`, is judged without an `await`.
import { EventEmitter } from 'node:events';
import { withServerBinding } from './binding/server-binding.js';
import { SenderBinding, dpopResponseHeaders } from './binding/sender-binding.js';
import { stillValid } from './cache/freshness.js';
import { admitJwt } from './cache/admit.js';
import { TokenCache, deepFreeze } from './cache/token-cache.js';
import type { VerificationKey } from './crypto/backend.js';
import { challengeContexts } from './errors/challenge-contexts.js';
import type { TokenScheme } from './errors/challenge.js';
import { CredentialsRequiredError, InvalidTokenError } from './errors/errors.js';
import { introspectedAccessToken, OPAQUE_HEADER } from './introspection/access-token.js';
import type { AlgorithmSpec } from './jwt/algorithms.js';
import { checkClaims } from './jwt/claims.js';
import { checkHeader } from './jwt/header.js';
import { ownedJws, type ParsedJws } from './jwt/jws.js';
import { checkHmac, checkSignature } from './jwt/signature.js';
import type { ResourceMetadata } from './metadata/resource-metadata.js';
import type { VerifierEvents, VerifierStats } from './observability/events.js';
import { verifierStats } from './observability/stats.js';
import { Recorder } from './observability/recorder.js';
import { resolveOptions, type ResolvedOptions, type VerifierOptions } from './options.js';
import type { IssuerOption, ResourceMetadataOptions, VerifierInput } from './verifier-input.js';
import { credentialScheme, requestCredential, type Credential, type CredentialOptions } from './request/credential.js';
import { createIssuers, readyIssuers, type IssuerRuntime, type Issuers } from './routing/issuers.js';
import { introspectsJwts, issuerOf, parseOrOpaque, unknownIssuer } from './routing/route.js';
import { checkRouteRequirement, type RouteRequirement } from './scopes/requirement.js';
import { runValidate } from './scopes/validate.js';
import type { AccessToken, JwtClaims, JwtHeader, RequestDescriptor } from './types.js';
import type { Verifier } from './verifier-types.js';

type Verdict<C extends object> = AccessToken<C> | Promise<AccessToken<C>>;

class JwtVerifier<C extends object> extends EventEmitter<VerifierEvents> implements Verifier<C> {
  readonly realm: string | undefined;
  readonly resourceMetadata: ResourceMetadata | undefined;
  readonly #options: ResolvedOptions<C>;
  readonly #credentialOptions: CredentialOptions;
  readonly #recorder: Recorder;
  readonly #issuers: Issuers;
  readonly #tokenCache: TokenCache | undefined;
  readonly #binding: SenderBinding;

  constructor(options: ResolvedOptions<C>) {
    super();
    this.#options = options;
    this.realm = options.realm;
    this.resourceMetadata = options.resourceMetadata;
    const { allowQueryToken, allowFormBodyToken, realm } = options;
    this.#credentialOptions = { allowQueryToken, allowFormBodyToken, realm, dpop: options.dpop.mode };
    const recorder = (this.#recorder = new Recorder(this, realm, challengeContexts(options.dpop, options.resourceMetadata?.url), options.issuers.map((entry) => entry.issuer), options.telemetry, () => this.#tokenCache?.hits ?? 0));
    this.#binding = new SenderBinding(options.dpop, options.mtls, realm, (event) => recorder.replayStoreFailed(event));
    this.#tokenCache = options.tokenCache === false ? undefined : new TokenCache(options.tokenCache);
    this.#issuers = createIssuers(options as ResolvedOptions<object>, this, recorder);
  }

  // Not async themselves: one promise per request (one more when an OpenTelemetry SDK records it, observability/).
  verify(tokenOrRequest: string | RequestDescriptor): Promise<AccessToken<C>> {
    return this.#entry(tokenOrRequest, false, this.#recorder.begin()) as Promise<AccessToken<C>>;
  }

  authenticate(request: RequestDescriptor, options?: { optional?: boolean }): Promise<AccessToken<C> | undefined> {
    return this.#entry(request, options?.optional === true, this.#recorder.begin());
  }

  #entry(input: string | RequestDescriptor, optional: boolean, record: ReturnType<Recorder['begin']>): Promise<AccessToken<C> | undefined> {
    if (record !== undefined) return this.#recorder.observe(record, input, this.#options.dpop.mode, () => this.#entry(input, optional, undefined));
    return typeof input === 'string' ? this.#verifyToken(input, undefined, undefined) : this.#verifyRequest(input, optional);
  }

  /** Stage 1: the credential of the request (request/). */
  #verifyRequest(request: RequestDescriptor, optional: boolean): Promise<AccessToken<C> | undefined> {
    let credential: Credential | undefined;
    try {
      credential = requestCredential(request, this.#credentialOptions, optional);
    } catch (error) {
      return Promise.reject(this.#recorder.reject(error, undefined, credentialScheme(request, this.#options.dpop.mode)));
    }
    return credential === undefined ? Promise.resolve(undefined) : this.#verifyToken(credential.token, credential, request);
  }

  responseHeaders(token: AccessToken<C> | undefined): Readonly<Record<string, string>> | undefined {
    return dpopResponseHeaders(this.#options.dpop, token);
  }

  checkScopes(token: AccessToken<C> | undefined | null, requirement: RouteRequirement): void {
    try {
      if (token === undefined || token === null) throw new CredentialsRequiredError(this.realm);
      checkRouteRequirement(token, requirement, this.realm);
    } catch (error) {
      // A DPoP-bound token can only have come in the DPoP scheme; the 403 answers in it.
      const scheme: TokenScheme | undefined = token == null ? undefined : token.cnf?.jkt !== undefined ? 'DPoP' : 'Bearer';
      throw this.#recorder.rejectScope(error, token?.issuer, scheme);
    }
  }

  /** Stages 2-6: token cache, route (path and issuer), JWT checks (header, signature, claims), sender binding. */
  #verifyToken(token: string, credential: Credential | undefined, request: RequestDescriptor | undefined): Promise<AccessToken<C>> {
    let issuer: string | undefined;
    let tokenIssuer: unknown;
    const scheme = credential?.scheme ?? 'Bearer';
    const realm = this.realm;
    try {
      if (typeof token !== 'string' || token.length === 0) throw new CredentialsRequiredError(realm);
      if (token.length > this.#options.maxTokenLength) throw new InvalidTokenError({ reason: 'token_too_large', description: 'the token is too large', realm });
      const cached = this.#tokenCache?.get(token);
      if (cached !== undefined) {
        issuer = cached.auth.issuer;
        // A template's token carries its tenant's issuer: the directory finds the template.
        const runtime = this.#issuers.directory.owner(issuer)!;
        if (stillValid(cached, this.#options.clockTolerance, this.#options.maxTokenAge, runtime.keys)) {
          const auth = cached.auth as AccessToken<C>;
          if (runtime.introspect === 'always' || this.#options.validate !== undefined) {
            return this.#recorded(this.#afterCacheHit(auth, runtime, credential, request), issuer, scheme);
          }
          return this.#settle(this.#finish(auth, credential, request), issuer, scheme);
        }
        this.#tokenCache!.evict(token);
      }
      const jws = parseOrOpaque(token, this.#issuers, realm);
      if (jws === undefined) {
        const opaque = this.#issuers.opaque!;
        issuer = opaque.issuer;
        return this.#recorded(this.#introspected(token, opaque, undefined, credential, request), issuer, scheme);
      }
      tokenIssuer = jws.claims.iss;
      const runtime = issuerOf(jws, this.#issuers, realm);
      if (runtime === undefined) throw unknownIssuer(realm);
      issuer = runtime.issuer;
      tokenIssuer = undefined;
      if (introspectsJwts(runtime)) return this.#recorded(this.#introspected(token, runtime, jws.header, credential, request), issuer, scheme);
      const alg = jws.header.alg;
      const spec = checkHeader(jws.header, runtime.algorithms, this.#options.tokenType, realm);
      let key: VerificationKey | undefined;
      if (spec.kty === 'oct') checkHmac(runtime.secret!, spec, jws, realm);
      else {
        const keys = runtime.keys!.peek(jws.header.kid);
        if (keys === undefined) return this.#recorded(this.#withLoadedKeys(token, ownedJws(jws), runtime, alg, spec, credential, request), issuer, scheme);
        const checked = checkSignature(keys, alg, spec, jws, realm);
        if (checked instanceof Promise) {
          const owned = ownedJws(jws);
          return this.#recorded(checked.then((verified) => this.#acceptSigned(token, owned, runtime, verified, credential, request)), issuer, scheme);
        }
        key = checked;
      }
      return this.#settle(this.#acceptSigned(token, jws, runtime, key, credential, request), issuer, scheme);
    } catch (error) {
      return Promise.reject(this.#recorder.reject(error, issuer, scheme, tokenIssuer));
    }
  }

  /** A verdict reached synchronously as a settled promise; an asynchronous one with its refusal recorded. */
  #settle(result: Verdict<C>, issuer: string, scheme: TokenScheme): Promise<AccessToken<C>> {
    return result instanceof Promise ? this.#recorded(result, issuer, scheme) : Promise.resolve(result);
  }

  #recorded(result: Promise<AccessToken<C>>, issuer: string, scheme: TokenScheme): Promise<AccessToken<C>> {
    return result.catch((error: unknown) => {
      throw this.#recorder.reject(error, issuer, scheme);
    });
  }

  /** A cache hit that still needs `introspect: 'always'` or `validate`. */
  async #afterCacheHit(auth: AccessToken<C>, runtime: IssuerRuntime, credential?: Credential, request?: RequestDescriptor): Promise<AccessToken<C>> {
    // The local verdict is cached; whether the server still considers the token active is not.
    if (runtime.introspect === 'always') auth = withServerBinding(auth, await runtime.introspector!.introspect(auth.token), this.realm);
    const validate = this.#options.validate;
    if (validate !== undefined) await runValidate(validate, auth.claims, auth.header, this.realm);
    return this.#finish(auth, credential, request);
  }

  /** The rest of {@link #verifyToken} when the issuer's keys must be fetched first. */
  async #withLoadedKeys(token: string, jws: ParsedJws, runtime: IssuerRuntime, alg: string, spec: AlgorithmSpec, credential?: Credential, request?: RequestDescriptor): Promise<AccessToken<C>> {
    const keys = await runtime.keys!.load(jws.header.kid);
    const key = await checkSignature(keys, alg, spec, jws, this.realm);
    return this.#acceptSigned(token, jws, runtime, key, credential, request);
  }

  /**
   * After the signature: the claims, `introspect: 'always'`, `validate`, the AccessToken and the
   * cache, then the binding. Throws (unrecorded) when the claims are refused; returns a promise only
   * when something on the way is asynchronous.
   */
  #acceptSigned(token: string, jws: ParsedJws, runtime: IssuerRuntime, key: VerificationKey | undefined, credential?: Credential, request?: RequestDescriptor): Verdict<C> {
    const nowMs = Date.now();
    checkClaims(jws.claims, runtime.claimRules, Math.floor(nowMs / 1000), this.realm);
    const validate = this.#options.validate;
    if (validate === undefined && runtime.introspect !== 'always') return this.#finish(admitJwt<C>(this.#tokenCache, token, jws, runtime, key, nowMs, this.#options, this.realm), credential, request);
    const owned = ownedJws(jws);
    return (async () => {
      const served = runtime.introspect === 'always' ? await runtime.introspector!.introspect(token) : undefined;
      if (validate !== undefined) await runValidate(validate, owned.claims, owned.header, this.realm);
      const auth = admitJwt<C>(this.#tokenCache, token, owned, runtime, key, nowMs, this.#options, this.realm);
      return this.#finish(served === undefined ? auth : withServerBinding(auth, served, this.realm), credential, request);
    })();
  }

  /** The last stage: the sender binding (binding/, never cached); then the token counts as verified. */
  #finish(auth: AccessToken<C>, credential: Credential | undefined, request: RequestDescriptor | undefined): Verdict<C> {
    const binding = this.#binding.check(auth, credential, request);
    if (binding === undefined) {
      this.#recorder.verified++;
      return auth;
    }
    return binding.then(() => {
      this.#recorder.verified++;
      return auth;
    });
  }

  /** The introspection path (introspection/): the response members become the claims of the same AccessToken. */
  async #introspected(token: string, runtime: IssuerRuntime, header: JwtHeader | undefined, credential?: Credential, request?: RequestDescriptor): Promise<AccessToken<C>> {
    const claims = deepFreeze(await runtime.introspector!.introspect(token));
    const validate = this.#options.validate;
    if (validate !== undefined) await runValidate(validate, claims, header ?? OPAQUE_HEADER, this.realm);
    const auth = introspectedAccessToken<C>(token, claims, runtime.issuer, header, runtime.introspection!.cacheTtlMs, runtime.reading);
    return this.#finish(auth, credential, request);
  }

  stats(): VerifierStats {
    return verifierStats(this.#recorder, this.#issuers, this.#tokenCache);
  }
  ready(): Promise<void> { return readyIssuers(this.#issuers); } // keys/ready.ts

  close(): void {
    for (const runtime of this.#issuers.byName.values()) {
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
export function createVerifier<C extends object = JwtClaims, const I extends IssuerOption = IssuerOption, R extends ResourceMetadataOptions | undefined = undefined>(options: VerifierInput<C, I, R>): Verifier<C> {
  return new JwtVerifier<C>(resolveOptions(options as unknown as VerifierOptions<C>));
}
