/**
 * `requireScopes`, `requireAnyScope`, `requireRoles`, `requireAnyRole` and `requireClaims`: per-route
 * guards that run after `requireAuth`; the rules are core's (`checkScopes` with a `RouteRequirement`).
 */
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routeRequirement, scopeRequirement, type ClaimRequirement, type RouteRequirement } from '@portcullis/core';
import { getAuthState, refuse } from './auth-state.js';
import type { OptionalAuthEnv } from './require-auth.js';

const NOT_AUTHENTICATED =
  'Portcullis: a route guard (requireScopes/requireAnyScope/requireRoles/requireAnyRole/requireClaims) ran before requireAuth(); mount requireAuth() first';

function scopeGuard(requirement: RouteRequirement): MiddlewareHandler<OptionalAuthEnv<object>> {
  return createMiddleware<OptionalAuthEnv<object>>(async (c, next) => {
    const state = getAuthState(c);
    // A wiring mistake in the app, not a client error: Hono's onError (500) is right.
    if (state === undefined) throw new Error(NOT_AUTHENTICATED);
    try {
      // Without auth (optional mode let a request without credentials through) this is a 401.
      state.verifier.checkScopes(c.var.auth, requirement);
    } catch (error) {
      return refuse(error, state.pass);
    }
    await next();
    return undefined;
  });
}

function checkedRequirement(scopes: readonly string[], anyOf: boolean, name: string): RouteRequirement {
  if (scopes.length === 0) throw new TypeError(`Portcullis: ${name}() needs at least one scope`);
  return scopeRequirement(anyOf ? { anyOf: scopes } : { allOf: scopes }, name)!;
}

/**
 * Route middleware that requires every one of `scopes` on the token `requireAuth` verified; otherwise
 * 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` naming them. Without
 * `c.var.auth` (a request `optional` mode let through) it answers 401. Checked when the route is
 * declared: an empty list or a token that is not an RFC 6749 scope (e.g. `'a b'`) is a `TypeError`.
 *
 * @example
 * ```ts
 * app.use('/api/*', requireAuth(verifier));
 * app.post('/api/orders', requireScopes('orders:write'), (c) => c.json({ created: true }, 201));
 * ```
 */
export function requireScopes(...scopes: string[]): MiddlewareHandler<OptionalAuthEnv<object>> {
  return scopeGuard(checkedRequirement(scopes, false, 'requireScopes'));
}

/**
 * Route middleware that requires at least one of `scopes` on the token `requireAuth` verified;
 * otherwise 403 with a `scope="…"` attribute listing the accepted ones. Without `c.var.auth` it answers
 * 401. Checked when the route is declared, like {@link requireScopes}.
 *
 * @example
 * ```ts
 * app.get('/api/orders', requireAnyScope('orders:read', 'orders:admin'), (c) => c.json([]));
 * ```
 */
export function requireAnyScope(...scopes: string[]): MiddlewareHandler<OptionalAuthEnv<object>> {
  return scopeGuard(checkedRequirement(scopes, true, 'requireAnyScope'));
}

function roleRequirement(roles: readonly string[], anyOf: boolean, name: string): RouteRequirement {
  if (roles.length === 0) throw new TypeError(`Portcullis: ${name}() needs at least one role`);
  return routeRequirement({ roles: anyOf ? { anyOf: roles } : { allOf: roles } }, name)!;
}

/**
 * Route middleware that requires every one of `roles` on the token `requireAuth` verified (read from
 * the issuer's `roleClaims`, default `roles`); otherwise 403 `insufficient_scope` whose description
 * names the missing roles. Without `c.var.auth` it answers 401. An empty list or an empty role name is
 * a `TypeError` when the route is declared.
 *
 * @example
 * ```ts
 * app.delete('/api/orders/:id', requireRoles('orders-admin'), (c) => c.body(null, 204));
 * ```
 */
export function requireRoles(...roles: string[]): MiddlewareHandler<OptionalAuthEnv<object>> {
  return scopeGuard(roleRequirement(roles, false, 'requireRoles'));
}

/**
 * Route middleware that requires at least one of `roles` on the token; otherwise 403 naming them.
 * Checked when the route is declared, like {@link requireRoles}.
 *
 * @example
 * ```ts
 * app.get('/api/audit', requireAnyRole('auditor', 'orders-admin'), (c) => c.json([]));
 * ```
 */
export function requireAnyRole(...roles: string[]): MiddlewareHandler<OptionalAuthEnv<object>> {
  return scopeGuard(roleRequirement(roles, true, 'requireAnyRole'));
}

/**
 * Route middleware that requires claims of the token: each key a claim path, each value an exact
 * value, `{ includes: v }`, or a predicate; or one predicate over all the claims (see
 * `ClaimRequirement`). A failure is a 403 whose description names the claim, never its value.
 * Checked when the route is declared: a wrong condition is a `TypeError`.
 *
 * @example
 * ```ts
 * app.get('/api/acme/orders', requireClaims({ tenant: 'acme', amr: { includes: 'mfa' } }), (c) => c.json([]));
 * ```
 */
export function requireClaims(claims: ClaimRequirement): MiddlewareHandler<OptionalAuthEnv<object>> {
  const requirement = routeRequirement({ claims }, 'requireClaims');
  if (requirement === undefined) throw new TypeError('Portcullis: requireClaims() needs a claim requirement');
  return scopeGuard(requirement);
}
