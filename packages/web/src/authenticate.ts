/**
 * `authenticate`: one request judged, for code that composes its own handler (a Worker's `fetch`, a
 * SvelteKit or Remix endpoint, a router of one's own): the verified token, or the ready refusal.
 */
import {
  authErrorResponse,
  describeFetchRequest,
  isAuthError,
  isVerifier,
  withResponseHeaders,
  type AccessToken,
  type JwtClaims,
  type Verifier,
} from '@portcullis/core';
import { routeRequirementOf, type RouteOptions, type RouteRequirement } from './route-options.js';

/**
 * What {@link authenticate} resolves to: the verified token, with the headers every answer to it must
 * carry (`DPoP-Nonce`; set them with {@link AuthSuccess.headers} or `withResponseHeaders`), or the
 * refusal to send as it is.
 *
 * @example
 * ```ts
 * const result: AuthResult = await authenticate(verifier, request);
 * if (result.response) return result.response;
 * ```
 */
export type AuthResult<C extends object = JwtClaims> = AuthSuccess<AccessToken<C>> | AuthRefusal;

/** {@link AuthResult} of an `optional` route: `auth` is undefined when the request had no credential. */
export type OptionalAuthResult<C extends object = JwtClaims> = AuthSuccess<AccessToken<C> | undefined> | AuthRefusal;

/** The accepted side of an {@link AuthResult}. */
export interface AuthSuccess<A> {
  readonly auth: A;
  readonly response?: undefined;
  /** Headers for the answer to this request (e.g. `DPoP-Nonce`); empty for most requests. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The refused side of an {@link AuthResult}: 400, 401, 403 or 503 with its challenge, ready to send. */
export interface AuthRefusal {
  readonly auth?: undefined;
  readonly response: Response;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The shared path of `withAuth` and `authenticate`; anything but an AuthError is rethrown. */
export async function judge<C extends object>(
  verifier: Verifier<C>,
  request: Request,
  requirement: RouteRequirement,
): Promise<AuthSuccess<AccessToken<C> | undefined> | AuthRefusal> {
  let auth: AccessToken<C> | undefined;
  try {
    auth = await verifier.authenticate(describeFetchRequest(request), { optional: requirement.optional });
  } catch (error) {
    if (isAuthError(error)) return { response: authErrorResponse(error) };
    throw error;
  }
  // E.g. a fresh DPoP-Nonce: on every answer to an accepted token, a scope refusal included.
  const headers = verifier.responseHeaders?.(auth) ?? NO_HEADERS;
  try {
    requirement.check(verifier, auth);
  } catch (error) {
    if (isAuthError(error)) return { response: withResponseHeaders(authErrorResponse(error), headers) };
    throw error;
  }
  return { auth, headers };
}

/**
 * Verifies a Fetch `Request` and checks the route's scopes: resolves to `{ auth, headers }`, or to
 * `{ response }`, the refusal (400, 401, 403 or 503 with the RFC 6750 challenge) to return as it is,
 * the same status, headers and body the Express adapter sends for that request. Set `headers` on your
 * answer (they carry a fresh `DPoP-Nonce` for DPoP clients). Never rejects for a bad request; it
 * rejects only for a wrong argument (`TypeError`).
 *
 * @example
 * ```ts
 * import { authenticate, createVerifier } from '@portcullis/web';
 *
 * const verifier = createVerifier({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 *
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     const result = await authenticate(verifier, request, { scopes: ['orders:read'] });
 *     if (result.response) return result.response;
 *     return Response.json({ client: result.auth.clientId }, { headers: result.headers });
 *   },
 * };
 * ```
 */
export function authenticate<C extends object = JwtClaims>(
  verifier: Verifier<C>,
  request: Request,
  options: RouteOptions & { optional: true },
): Promise<OptionalAuthResult<C>>;
export function authenticate<C extends object = JwtClaims>(
  verifier: Verifier<C>,
  request: Request,
  options?: RouteOptions & { optional?: false | undefined },
): Promise<AuthResult<C>>;
export function authenticate<C extends object = JwtClaims>(
  verifier: Verifier<C>,
  request: Request,
  options?: RouteOptions,
): Promise<OptionalAuthResult<C>>;
export async function authenticate<C extends object = JwtClaims>(
  verifier: Verifier<C>,
  request: Request,
  options?: RouteOptions,
): Promise<OptionalAuthResult<C>> {
  if (!isVerifier(verifier)) {
    throw new TypeError('Portcullis: authenticate() needs a verifier from createVerifier() (make it once, at module scope)');
  }
  return judge(verifier, request, routeRequirementOf(options, 'authenticate'));
}
