/**
 * `requireAuth`: the Hono middleware that verifies a request's access token and sets `c.var.auth`.
 */
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import {
  describeFetchRequest,
  metadataAnswerResponse,
  resolveAdapterOptions,
  resolveVerifier,
  type AccessToken,
  type JwtClaims,
  type Verifier,
  type VerifierOptions,
  type VerifierInput,
  type IssuerOption,
  type ResourceMetadataOptions,
} from '@portcullis/core';
import { refuse, setAuthState, type AuthState } from './auth-state.js';
import { requestTarget } from './resource-metadata.js';

/**
 * The Hono `Env` that {@link requireAuth} provides: `c.var.auth` / `c.get('auth')`, the verified
 * {@link AccessToken}. Give it to `new Hono<AuthEnv>()` when the middleware is mounted app-wide.
 *
 * @example
 * ```ts
 * const app = new Hono<AuthEnv>();
 * app.use(requireAuth(verifier));
 * app.get('/orders', (c) => c.json({ client: c.var.auth.clientId }));
 * ```
 */
export interface AuthEnv<C extends object = JwtClaims> {
  Variables: { auth: AccessToken<C> };
}

/** {@link AuthEnv} of an `optional: true` middleware: `auth` is undefined without a credential. */
export interface OptionalAuthEnv<C extends object = JwtClaims> {
  Variables: { auth: AccessToken<C> | undefined };
}

/**
 * Options of {@link requireAuth} that concern Hono, not the token.
 *
 * @example
 * ```ts
 * app.use(requireAuth(verifier, { optional: true, errors: 'pass' }));
 * ```
 */
export interface RequireAuthOptions {
  /**
   * Let a request without any credential through with `c.var.auth` undefined. A credential that is
   * present but invalid is still refused. Default false.
   */
  optional?: boolean | undefined;
  /**
   * `'respond'` (default): answer a refused request directly (400, 401, 403 or 503 with the RFC 6750
   * challenge). `'pass'`: throw Hono's `HTTPException` carrying that answer as `res` (and the `AuthError`
   * as `cause`), for the app's `onError`; `err.getResponse()` is the ready answer.
   */
  errors?: 'respond' | 'pass' | undefined;
}

/**
 * The middleware returned by {@link requireAuth}, which also exposes its verifier (e.g. to close it).
 *
 * @example
 * ```ts
 * const auth: AuthMiddleware = requireAuth({ issuer, audience });
 * auth.verifier.close();
 * ```
 */
export type AuthMiddleware<E extends AuthEnv<object> | OptionalAuthEnv<object>, C extends object = JwtClaims> = MiddlewareHandler<E> & {
  /** The verifier this middleware uses: the one given, or the one it created from options. */
  readonly verifier: Verifier<C>;
};

/**
 * Hono middleware that verifies the request's access token, sets `c.var.auth` (typed: `c.get('auth')`)
 * to the verified {@link AccessToken} and calls `next()`; a refused request gets the RFC 6750 answer
 * (400, 401 with a `WWW-Authenticate` challenge, 403, or 503 with `Retry-After`), the same status,
 * headers and body as the Express adapter's. An accepted DPoP request's answer carries a fresh
 * `DPoP-Nonce` when nonces are on. With the verifier's `resourceMetadata` option it also answers the
 * RFC 9728 metadata path, without a token. Follow it with {@link requireScopes} or
 * {@link requireAnyScope} where a route needs scopes. The same app runs on Node (`@hono/node-server`),
 * Bun, Deno and Cloudflare Workers; there is no TLS socket in a Hono request, so certificate-bound tokens
 * are checked through `mtls.certificateHeader` only.
 *
 * Pass a verifier (from `createVerifier`, made once at module scope) to share it, or the verifier
 * options to have one made here. Options are checked here, once: a mistake is a `TypeError`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { requireAuth, requireScopes } from '@portcullis/hono';
 *
 * const app = new Hono();
 * app.use('/api/*', requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * app.get('/api/orders', requireScopes('orders:read'), (c) => c.json({ client: c.var.auth.clientId }));
 * export default app;
 * ```
 */
export function requireAuth<C extends object = JwtClaims, const I extends IssuerOption = IssuerOption, R extends ResourceMetadataOptions | undefined = undefined>(
  optionsOrVerifier: VerifierInput<C, I, R> | Verifier<C>,
  options: RequireAuthOptions & { optional: true },
): AuthMiddleware<OptionalAuthEnv<C>, C>;
export function requireAuth<C extends object = JwtClaims, const I extends IssuerOption = IssuerOption, R extends ResourceMetadataOptions | undefined = undefined>(
  optionsOrVerifier: VerifierInput<C, I, R> | Verifier<C>,
  options?: RequireAuthOptions & { optional?: false | undefined },
): AuthMiddleware<AuthEnv<C>, C>;
export function requireAuth<C extends object = JwtClaims, const I extends IssuerOption = IssuerOption, R extends ResourceMetadataOptions | undefined = undefined>(
  optionsOrVerifier: VerifierInput<C, I, R> | Verifier<C>,
  options?: RequireAuthOptions,
): AuthMiddleware<OptionalAuthEnv<C>, C>;
export function requireAuth<C extends object = JwtClaims>(
  optionsOrVerifier: VerifierOptions<C> | Verifier<C>,
  options?: RequireAuthOptions,
): AuthMiddleware<AuthEnv<C>, C> | AuthMiddleware<OptionalAuthEnv<C>, C> {
  if (typeof optionsOrVerifier !== 'object' || optionsOrVerifier === null) {
    throw new TypeError('Portcullis: requireAuth() needs verifier options or a verifier');
  }
  // Checked before a verifier is created, so that a wrong option leaves nothing to close.
  const { optional, passErrors: pass } = resolveAdapterOptions(options);
  const { verifier } = resolveVerifier<C>(optionsOrVerifier);
  const state: AuthState = Object.freeze({ verifier, pass });
  const authenticateOptions = Object.freeze({ optional });
  const metadata = verifier.resourceMetadata;

  const middleware = createMiddleware<OptionalAuthEnv<C>>(async (c, next) => {
    // RFC 9728: the metadata is how a client learns where to get a token, so it needs none.
    const answer = metadata?.serve({ method: c.req.method, url: requestTarget(c.req.url) });
    if (answer !== undefined) return metadataAnswerResponse(answer, c.req.method);
    let auth: AccessToken<C> | undefined;
    try {
      auth = await verifier.authenticate(describeFetchRequest(c.req.raw), authenticateOptions);
    } catch (error) {
      return refuse(error, pass);
    }
    setAuthState(c, state);
    c.set('auth', auth);
    await next();
    // E.g. a fresh DPoP-Nonce: on every answer to an accepted token, a scope refusal included. Set
    // after the handler, on whatever response it made (`c.header` copies an immutable one).
    const headers = verifier.responseHeaders?.(auth);
    if (headers !== undefined) for (const name of Object.keys(headers)) c.header(name, headers[name]);
    return undefined;
  });
  return Object.defineProperty(middleware, 'verifier', { value: verifier, enumerable: true }) as AuthMiddleware<OptionalAuthEnv<C>, C>;
}
