/**
 * `requireScopes`, `requireAnyScope`, `requireRoles`, `requireAnyRole` and `requireClaims`: per-route
 * guards that run after `requireAuth`; the rules are core's (`checkScopes` with a `RouteRequirement`).
 */
import type { NextFunction, Request, Response } from 'express';
import { routeRequirement, scopeRequirement, type ClaimRequirement, type RouteRequirement } from '@portcullis/core';
import { getAuthState, refuse, type Middleware } from './auth-state.js';

const NOT_AUTHENTICATED =
  'Portcullis: a route guard (requireScopes/requireAnyScope/requireRoles/requireAnyRole/requireClaims) ran before requireAuth(); mount requireAuth() first';

function scopeGuard(requirement: RouteRequirement): Middleware {
  const guard = function portcullisRequireScopes(req: Request, res: Response, next: NextFunction): void {
    const state = getAuthState(req);
    if (state === undefined) {
      // A wiring mistake in the app, not a client error: Express's error path (500) is right.
      next(new Error(NOT_AUTHENTICATED));
      return;
    }
    try {
      // Without req.auth (optional mode let a request without credentials through) this is a 401.
      state.verifier.checkScopes(req.auth, requirement);
    } catch (error) {
      refuse(error, res, next, state.pass);
      return;
    }
    next();
  };
  return guard as Middleware;
}

function checkedRequirement(scopes: readonly string[], anyOf: boolean, name: string): RouteRequirement {
  if (scopes.length === 0) throw new TypeError(`Portcullis: ${name}() needs at least one scope`);
  return scopeRequirement(anyOf ? { anyOf: scopes } : { allOf: scopes }, name)!;
}

/**
 * Route middleware that requires every one of `scopes` on the token `requireAuth` verified; otherwise
 * 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` naming them. Without
 * `req.auth` (a request `optional` mode let through) it answers 401. Scopes are checked when the route
 * is declared: an empty list or a token that is not an RFC 6749 scope (e.g. `'a b'`) is a `TypeError`.
 *
 * @example
 * ```ts
 * app.use(requireAuth(verifier));
 * app.post('/orders', requireScopes('orders:write'), createOrder);
 * app.delete('/orders/:id', requireScopes('orders:write', 'orders:admin'), deleteOrder);
 * ```
 */
export function requireScopes(...scopes: string[]): Middleware {
  return scopeGuard(checkedRequirement(scopes, false, 'requireScopes'));
}

/**
 * Route middleware that requires at least one of `scopes` on the token `requireAuth` verified;
 * otherwise 403 with a `scope="…"` attribute listing the accepted ones. Without `req.auth` it answers
 * 401. Checked when the route is declared, like {@link requireScopes}.
 *
 * @example
 * ```ts
 * app.get('/orders', requireAuth(verifier), requireAnyScope('orders:read', 'orders:admin'), listOrders);
 * ```
 */
export function requireAnyScope(...scopes: string[]): Middleware {
  return scopeGuard(checkedRequirement(scopes, true, 'requireAnyScope'));
}

function roleRequirement(roles: readonly string[], anyOf: boolean, name: string): RouteRequirement {
  if (roles.length === 0) throw new TypeError(`Portcullis: ${name}() needs at least one role`);
  return routeRequirement({ roles: anyOf ? { anyOf: roles } : { allOf: roles } }, name)!;
}

/**
 * Route middleware that requires every one of `roles` on the token `requireAuth` verified (read from
 * the issuer's `roleClaims`, default `roles`); otherwise 403 with `WWW-Authenticate: Bearer
 * error="insufficient_scope", error_description="…"` naming the missing roles. Without `req.auth` it
 * answers 401. An empty list or an empty role name is a `TypeError` when the route is declared.
 *
 * @example
 * ```ts
 * app.delete('/orders/:id', requireAuth(verifier), requireRoles('orders-admin'), deleteOrder);
 * ```
 */
export function requireRoles(...roles: string[]): Middleware {
  return scopeGuard(roleRequirement(roles, false, 'requireRoles'));
}

/**
 * Route middleware that requires at least one of `roles` on the token; otherwise 403 naming them.
 * Checked when the route is declared, like {@link requireRoles}.
 *
 * @example
 * ```ts
 * app.get('/reports', requireAuth(verifier), requireAnyRole('auditor', 'admin'), showReports);
 * ```
 */
export function requireAnyRole(...roles: string[]): Middleware {
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
 * app.get('/acme/orders', requireAuth(verifier), requireClaims({ tenant: 'acme', amr: { includes: 'mfa' } }), listOrders);
 * ```
 */
export function requireClaims(claims: ClaimRequirement): Middleware {
  const requirement = routeRequirement({ claims }, 'requireClaims');
  if (requirement === undefined) throw new TypeError('Portcullis: requireClaims() needs a claim requirement');
  return scopeGuard(requirement);
}
