/**
 * `withAuth`: a Fetch handler (`Request` in, `Response` out) that runs only for a verified request.
 * The shape of a Next.js route handler, a `Bun.serve` or `Deno.serve` handler and a Worker's `fetch`.
 */
import {
  isVerifier,
  resolveVerifier,
  withResponseHeaders,
  type AccessToken,
  type JwtClaims,
  type Verifier,
  type VerifierOptions,
  type VerifierInput,
  type IssuerOption,
  type ResourceMetadataOptions,
} from '@portcullis/core';
import { judge } from './authenticate.js';
import { metadataAnswerFor } from './resource-metadata.js';
import { ROUTE_OPTION_KEYS, resolveRouteOptions, type RouteOptions } from './route-options.js';

/**
 * A handler made by {@link withAuth}: takes the request and whatever the platform passes after it (a
 * Next.js route's `context`, a Worker's `env` and `ctx`), and exposes its verifier.
 *
 * @example
 * ```ts
 * const handler: AuthenticatedHandler<[]> = withAuth(verifier, () => new Response('ok'));
 * handler.verifier.close();
 * ```
 */
export interface AuthenticatedHandler<A extends unknown[], R extends Request = Request, C extends object = JwtClaims> {
  (request: R, ...rest: A): Promise<Response>;
  /** The verifier this handler uses: the one given, or the one it created from options. */
  readonly verifier: Verifier<C>;
}

/**
 * Wraps a Fetch handler so that it runs only for a request with a valid access token (and the route's
 * scopes), and receives the verified {@link AccessToken} after the request: `handler(request, auth,
 * ...rest)`. A refused request gets the RFC 6750 answer (400, 401 with a `WWW-Authenticate` challenge,
 * 403 `insufficient_scope`, or 503 with `Retry-After`), the same status, headers and body as the
 * Express adapter's. An accepted DPoP request's answer carries a fresh `DPoP-Nonce` when nonces are on.
 * With the verifier's `resourceMetadata` option, the RFC 9728 metadata path is answered too, without a
 * token.
 *
 * Pass a verifier (from `createVerifier`, made once at module scope) to share it between routes, or the
 * verifier options to have one made here. Options are checked here, once: a mistake is a `TypeError`.
 * There is no TLS socket behind a `Request`: certificate-bound tokens (RFC 8705) are checked through the
 * certificate a proxy forwards (`mtls.certificateHeader`).
 *
 * @example
 * ```ts
 * // app/orders/route.ts (Next.js)
 * import { withAuth } from '@portcullis/web';
 * import { verifier } from '@/lib/auth';
 *
 * export const GET = withAuth(verifier, (request, auth) => Response.json({ client: auth.clientId }), {
 *   scopes: ['orders:read'],
 * });
 * ```
 */
export function withAuth<C extends object = JwtClaims, A extends unknown[] = [], R extends Request = Request, const I extends IssuerOption = IssuerOption, M extends ResourceMetadataOptions | undefined = undefined>(
  optionsOrVerifier: VerifierInput<C, I, M> | Verifier<C>,
  handler: (request: R, auth: AccessToken<C> | undefined, ...rest: A) => Response | Promise<Response>,
  options: RouteOptions & { optional: true },
): AuthenticatedHandler<A, R, C>;
export function withAuth<C extends object = JwtClaims, A extends unknown[] = [], R extends Request = Request, const I extends IssuerOption = IssuerOption, M extends ResourceMetadataOptions | undefined = undefined>(
  optionsOrVerifier: VerifierInput<C, I, M> | Verifier<C>,
  handler: (request: R, auth: AccessToken<C>, ...rest: A) => Response | Promise<Response>,
  options?: RouteOptions & { optional?: false | undefined },
): AuthenticatedHandler<A, R, C>;
export function withAuth<C extends object = JwtClaims, A extends unknown[] = [], R extends Request = Request, const I extends IssuerOption = IssuerOption, M extends ResourceMetadataOptions | undefined = undefined>(
  optionsOrVerifier: VerifierInput<C, I, M> | Verifier<C>,
  handler: (request: R, auth: AccessToken<C> | undefined, ...rest: A) => Response | Promise<Response>,
  options?: RouteOptions,
): AuthenticatedHandler<A, R, C>;
export function withAuth<C extends object = JwtClaims, A extends unknown[] = [], R extends Request = Request>(
  optionsOrVerifier: VerifierOptions<C> | Verifier<C>,
  handler: (request: R, auth: AccessToken<C>, ...rest: A) => Response | Promise<Response>,
  options?: RouteOptions,
): AuthenticatedHandler<A, R, C> {
  if (typeof optionsOrVerifier !== 'object' || optionsOrVerifier === null) {
    throw new TypeError('Portcullis: withAuth() needs verifier options or a verifier');
  }
  if (typeof handler !== 'function') {
    throw new TypeError('Portcullis: withAuth() needs a handler: withAuth(verifier, (request, auth) => response)');
  }
  // `withAuth({ issuer, audience, scopes: [...] }, handler)`: say where the route's option goes.
  const misplaced = ROUTE_OPTION_KEYS.find((key) => Object.hasOwn(optionsOrVerifier, key));
  if (misplaced !== undefined && !isVerifier(optionsOrVerifier)) {
    throw new TypeError(`Portcullis: option "${misplaced}" is a route option: pass it in the third argument, withAuth(options, handler, { ${misplaced} })`);
  }
  // Checked before a verifier is created, so that a wrong option leaves nothing to close.
  const requirement = resolveRouteOptions(options, 'withAuth');
  const { verifier } = resolveVerifier<C>(optionsOrVerifier);

  const authenticated = async function portcullisWithAuth(request: R, ...rest: A): Promise<Response> {
    // RFC 9728: the metadata is how a client learns where to get a token, so it needs none.
    const metadata = metadataAnswerFor(verifier.resourceMetadata, request);
    if (metadata !== undefined) return metadata;
    const result = await judge(verifier, request, requirement);
    if (result.response !== undefined) return result.response;
    const response = await handler(request, result.auth as AccessToken<C>, ...rest);
    return withResponseHeaders(response, result.headers);
  };
  return Object.defineProperty(authenticated, 'verifier', { value: verifier, enumerable: true }) as AuthenticatedHandler<A, R, C>;
}
