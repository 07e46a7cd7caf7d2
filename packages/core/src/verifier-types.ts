/** The public face of a verifier: the {@link Verifier} interface the adapters program against. */
import type { ResourceMetadata } from './metadata/resource-metadata.js';
import type { VerifierEvents, VerifierStats } from './observability/events.js';
import type { RouteRequirement } from './scopes/requirement.js';
import type { AccessToken, JwtClaims, RequestDescriptor } from './types.js';

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
   * Throws `InsufficientScopeError` (403) unless the token satisfies the requirement (scopes, and the
   * roles and claims of a {@link RouteRequirement}), or `CredentialsRequiredError` (401) when there is
   * no token (a route with a requirement in optional mode).
   */
  checkScopes(token: AccessToken<C> | undefined | null, requirement: RouteRequirement): void;
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
  /** Releases the JWKS caches and aborts in-flight fetches and introspections. The verifier must not be used after. */
  close(): void;
}
