/**
 * The plugin's options and the typing it adds to Fastify: `request.auth` and the `config.auth` route
 * option.
 */
import type { AccessToken, ClaimRequirement, Verifier, VerifierOptions } from '@portcullis/core';

/** The members of {@link RouteAuthConfig}, each optional; every one given must hold. */
export interface RouteAuthRequirement {
  /** Scopes the token must all have (RFC 6749 §3.3 scope tokens, matched exactly). */
  scopes?: readonly string[];
  /** Scopes of which the token must have at least one. */
  anyScope?: readonly string[];
  /** Roles the token must all have (from the issuer's `roleClaims`, default `roles`). */
  roles?: readonly string[];
  /** Roles of which the token must have at least one. */
  anyRole?: readonly string[];
  /** Claims the token must have: exact values, `{ includes: v }`, predicates, or one predicate (see `ClaimRequirement`). */
  claims?: ClaimRequirement;
}

/**
 * What a route requires, in its `config.auth`: every scope of `scopes` and at least one of
 * `anyScope`, every role of `roles` and at least one of `anyRole`, and `claims`. `{}` only requires a
 * valid token, like a route without `config.auth`. A missing scope is a 403 whose challenge names the
 * scopes; a missing role or a failed claim a 403 whose description names the roles or the claim.
 *
 * @example
 * ```ts
 * app.post('/orders', { config: { auth: { scopes: ['orders:write'] } } }, createOrder);
 * app.get('/reports', { config: { auth: { anyScope: ['reports:read', 'admin'] } } }, listReports);
 * app.delete('/orders/:id', { config: { auth: { roles: ['orders-admin'], claims: { tenant: 'acme' } } } }, deleteOrder);
 * ```
 */
export type RouteAuthConfig =
  | (RouteAuthRequirement &
      (
        | { scopes: readonly string[] }
        | { anyScope: readonly string[] }
        | { roles: readonly string[] }
        | { anyRole: readonly string[] }
        | { claims: ClaimRequirement }
      ))
  /** `{}`: a valid token, like no `config.auth`. (An index signature, not `{}`, so that `true` or a number does not fit.) */
  | { readonly [name: string]: never };

/**
 * How the plugin behaves, whichever way the verifier is given.
 *
 * @example
 * ```ts
 * const behaviour: PluginBehaviourOptions = { optional: true, errors: 'pass' };
 * await app.register(portcullis, { verifier, ...behaviour });
 * ```
 */
export interface PluginBehaviourOptions {
  /**
   * Let requests without any credential through with `request.auth` undefined. An invalid credential
   * is still refused, and a route that requires scopes still answers 401 without a token.
   * Default `false`.
   */
  optional?: boolean | undefined;
  /**
   * `'respond'` (default): answer 400/401/403/503 from the hook, with the RFC 6750 challenge.
   * `'pass'`: throw the `AuthError` so that the app's error handler (`setErrorHandler`) renders it;
   * it carries `statusCode` and `headers`.
   */
  errors?: 'respond' | 'pass' | undefined;
}

/**
 * Options of the plugin: the verifier's options (the plugin then owns the verifier and closes it
 * with the app), or `verifier`, an existing verifier to share (its JWKS cache included); plus
 * {@link PluginBehaviourOptions}.
 *
 * @example
 * ```ts
 * const issuer = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };
 * const owned: FastifyPortcullisOptions = { ...issuer, errors: 'pass' };
 * // or share one verifier (one JWKS cache) between registrations:
 * const shared: FastifyPortcullisOptions = { verifier: createVerifier(issuer), optional: true };
 * await app.register(portcullis, owned);
 * ```
 */
export type FastifyPortcullisOptions =
  | (VerifierOptions & PluginBehaviourOptions & { verifier?: undefined })
  | (PluginBehaviourOptions & { verifier: Verifier<object> } & { [K in keyof VerifierOptions]?: never });

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified access token; `undefined` on a route with `config: { auth: false }`, without a
     * credential when the plugin is `optional`, and outside the plugin's scope. Claims are typed by
     * your `CustomClaims` declaration.
     */
    auth?: AccessToken | undefined;
  }
  interface FastifyContextConfig {
    /** `false`: the route is public. An object: the scopes, roles and claims it requires. Default: a valid token. */
    auth?: false | RouteAuthConfig;
  }
}
