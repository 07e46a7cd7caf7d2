/**
 * `requireAuth`: the Koa middleware that verifies the request's bearer token and puts it on
 * `ctx.state.auth`.
 */
import {
  describeRequest,
  isAuthError,
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
import type { Context, DefaultState, Middleware, Next } from 'koa';
import type { KoaAuthOptions } from './options.js';
import { respondWithAuthError } from './respond.js';
import { writeMetadata } from './resource-metadata.js';
import { AUTH_BINDING, type AuthBinding, type AuthState, type StateWithBinding } from './state.js';

/**
 * The middleware returned by {@link requireAuth}, with the verifier it uses: close it with
 * `middleware.verifier.close()` when the app shuts down if `requireAuth` created it from options.
 *
 * @example
 * ```ts
 * const auth: RequireAuthMiddleware = requireAuth({ issuer, audience });
 * server.on('close', () => auth.verifier.close());
 * ```
 */
export type RequireAuthMiddleware<C extends object = JwtClaims> = Middleware<DefaultState & AuthState<C>> & {
  /** The verifier this middleware uses: the one given, or the one it created from options. */
  readonly verifier: Verifier<C>;
};

/**
 * Koa middleware that verifies the bearer token of every request it sees and sets `ctx.state.auth`
 * to the verified {@link AccessToken} before calling `next`. A refused request gets the RFC 6750
 * answer (400, 401 or 503) and `next` is not called; with `errors: 'pass'` the {@link AuthError} is
 * thrown instead. With the verifier's `resourceMetadata` option it also answers the RFC 9728 metadata
 * path, without a token, and every challenge names that URL.
 *
 * Pass a `Verifier` (from `createVerifier`) to share one JWKS cache between apps and routers, or the
 * verifier's options to create one.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import Router from '@koa/router';
 * import { requireAuth, requireScopes } from '@portcullis/koa';
 *
 * const app = new Koa();
 * const router = new Router();
 * app.use(requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * router.get('/orders', requireScopes('orders:read'), (ctx) => {
 *   ctx.body = { client: ctx.state.auth?.clientId };
 * });
 * app.use(router.routes());
 * ```
 */
export function requireAuth<
  C extends object = JwtClaims,
  const I extends IssuerOption = IssuerOption,
  R extends ResourceMetadataOptions | undefined = undefined,
>(optionsOrVerifier: VerifierInput<C, I, R> | Verifier<C>, options?: KoaAuthOptions): RequireAuthMiddleware<C>;
export function requireAuth<C extends object = JwtClaims>(
  optionsOrVerifier: VerifierOptions<C> | Verifier<C>,
  options?: KoaAuthOptions,
): RequireAuthMiddleware<C> {
  const { optional, passErrors } = resolveAdapterOptions(options);
  const { verifier } = resolveVerifier(optionsOrVerifier);
  const binding: AuthBinding = Object.freeze({ verifier, passErrors });
  const authenticateOptions = Object.freeze({ optional });
  const metadata = verifier.resourceMetadata;

  async function portcullisRequireAuth(ctx: Context, next: Next): Promise<void> {
    // RFC 9728: the metadata is how a client learns where to get a token, so it needs none.
    const answer = metadata?.serve({ method: ctx.method, url: ctx.originalUrl });
    if (answer !== undefined) {
      writeMetadata(ctx, answer);
      return;
    }
    let auth: AccessToken<C> | undefined;
    try {
      const descriptor = describeRequest(ctx.req, (ctx.request as { body?: unknown }).body);
      // koa-mount and any sub-app that sets ctx.url rewrite ctx.req.url; the client called ctx.originalUrl,
      // the URL its DPoP proof names (RFC 9449 §4.3).
      descriptor.url = ctx.originalUrl;
      auth = await verifier.authenticate(descriptor, authenticateOptions);
    } catch (error) {
      if (passErrors || !isAuthError(error)) throw error;
      respondWithAuthError(ctx, error);
      return;
    }
    // E.g. a fresh DPoP-Nonce: on every answer to an accepted token, a scope refusal included.
    const headers = verifier.responseHeaders?.(auth);
    if (headers !== undefined) ctx.set(headers);
    const state = ctx.state as StateWithBinding;
    state[AUTH_BINDING] = binding;
    state.auth = auth;
    await next();
  }

  return Object.defineProperty(portcullisRequireAuth, 'verifier', {
    value: verifier,
    enumerable: true,
  }) as unknown as RequireAuthMiddleware<C>;
}
