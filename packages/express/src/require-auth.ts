/**
 * `requireAuth`: the Express middleware that verifies a request's bearer token and sets `req.auth`.
 */
import type { NextFunction, Request, Response } from 'express';
import {
  describeRequest,
  resolveAdapterOptions,
  resolveVerifier,
  setResponseHeaders,
  writeMetadataResponse,
  type AccessToken,
  type JwtClaims,
  type Verifier,
  type VerifierOptions,
  type VerifierInput,
  type IssuerOption,
  type ResourceMetadataOptions,
} from '@portcullis/core';
import { refuse, setAuthState, type AuthState, type Middleware } from './auth-state.js';
import { requestTarget } from './resource-metadata.js';

declare global {
  // Express's own types merge into this global namespace (Express 4 and 5 alike).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified access token, set by `requireAuth`. Undefined when no `requireAuth` ran, or in
       * `optional` mode when the request carried no credential. Declare your own claims on
       * `CustomClaims` of `@portcullis/core` and they are typed here.
       */
      auth?: AccessToken | undefined;
    }
  }
}

/**
 * Options of {@link requireAuth} that concern Express, not the token.
 *
 * @example
 * ```ts
 * const options: RequireAuthOptions = { optional: true, errors: 'pass' };
 * app.use(requireAuth(verifier, options));
 * ```
 */
export interface RequireAuthOptions {
  /**
   * Let a request without any credential through with `req.auth` undefined. A credential that is
   * present but invalid is still refused. Default false.
   */
  optional?: boolean | undefined;
  /**
   * `'respond'` (default): answer a refused request directly (400, 401, 403 or 503, with the RFC 6750
   * challenge). `'pass'`: call `next(err)` with the `AuthError` (it carries `status`, `statusCode`,
   * `headers` and `expose`) so the app's error handlers render it. Mount {@link authErrorHandler} (or a
   * handler of your own that answers `AuthError`s) after them: Express's default handler logs every error
   * it gets with `console.error` and, outside production, sends the stack as the body.
   */
  errors?: 'respond' | 'pass' | undefined;
}

/**
 * The middleware returned by {@link requireAuth}: an Express middleware (see {@link Middleware}) that
 * also exposes its verifier, e.g. to `close()` it when the app shuts down.
 *
 * @example
 * ```ts
 * const auth: AuthMiddleware = requireAuth({ issuer, audience });
 * app.use(auth);
 * server.on('close', () => auth.verifier.close());
 * ```
 */
export interface AuthMiddleware<C extends object = JwtClaims> extends Middleware {
  /** The verifier this middleware uses: the one given, or the one it created from options. */
  readonly verifier: Verifier<C>;
}


/**
 * Express middleware that verifies the request's bearer token, sets `req.auth` to the verified
 * {@link AccessToken} and calls `next()`; a refused request gets the RFC 6750 answer (400, 401 with
 * a `WWW-Authenticate: Bearer` challenge, or 503 with `Retry-After` when the issuer's keys cannot be
 * had). With the verifier's `resourceMetadata` option it also answers the RFC 9728 metadata path, without
 * a token, and every challenge names that URL. Use it app-wide, per router or per route; follow it with {@link requireScopes} or
 * {@link requireAnyScope} where a route needs scopes. Works with Express 5 and Express 4.
 *
 * Pass a verifier (from `createVerifier`) to share one JWKS cache across routers and apps, or the
 * verifier options to have one created; either way it is on the middleware's `verifier` property.
 * Options are checked here, once: a mistake is a `TypeError`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { requireAuth, requireScopes } from '@portcullis/express';
 *
 * const app = express();
 * app.use(requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * app.get('/orders', requireScopes('orders:read'), (req, res) => {
 *   res.json({ client: req.auth?.clientId });
 * });
 * ```
 */
export function requireAuth<
  C extends object = JwtClaims,
  const I extends IssuerOption = IssuerOption,
  R extends ResourceMetadataOptions | undefined = undefined,
>(optionsOrVerifier: VerifierInput<C, I, R> | Verifier<C>, options?: RequireAuthOptions): AuthMiddleware<C>;
export function requireAuth<C extends object = JwtClaims>(
  optionsOrVerifier: VerifierOptions<C> | Verifier<C>,
  options?: RequireAuthOptions,
): AuthMiddleware<C> {
  if (typeof optionsOrVerifier !== 'object' || optionsOrVerifier === null) {
    throw new TypeError('Portcullis: requireAuth() needs verifier options or a verifier');
  }
  // Checked before a verifier is created, so that a wrong option leaves nothing to close.
  const { optional, passErrors: pass } = resolveAdapterOptions(options);
  const { verifier } = resolveVerifier<C>(optionsOrVerifier);
  const state: AuthState = Object.freeze({ verifier, pass });
  const authenticateOptions = Object.freeze({ optional });
  const metadata = verifier.resourceMetadata;

  // Never rejects: the only await is inside the try, and `next` is Express's, which catches what the
  // following handlers throw. Express 4 ignores returned promises, so none is returned.
  async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    let auth: AccessToken<C> | undefined;
    try {
      setAuthState(req, state);
      auth = await verifier.authenticate(describeRequest(req, req.body), authenticateOptions);
    } catch (error) {
      refuse(error, res, next, pass);
      return;
    }
    req.auth = auth as AccessToken | undefined;
    // E.g. a fresh DPoP-Nonce: on every answer to an accepted token, a scope refusal included.
    const headers = verifier.responseHeaders?.(auth);
    if (headers !== undefined) setResponseHeaders(res, headers);
    next();
  }

  const middleware = function portcullisRequireAuth(req: Request, res: Response, next: NextFunction): void {
    // RFC 9728: the metadata is how a client learns where to get a token, so it needs none.
    const answer = metadata?.serve({ method: req.method, url: requestTarget(req) });
    if (answer !== undefined) {
      writeMetadataResponse(res, answer);
      return;
    }
    void authenticate(req, res, next);
  };
  return Object.defineProperty(middleware, 'verifier', { value: verifier, enumerable: true }) as AuthMiddleware<C>;
}
