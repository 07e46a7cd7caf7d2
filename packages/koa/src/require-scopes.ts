/**
 * Scope guards for single routes: `requireScopes` (all of) and `requireAnyScope` (any one of). They
 * run after `requireAuth` and use its verifier, so the scope rules stay in core.
 */
import {
  isAuthError,
  routeRequirement,
  scopeRequirement,
  type ClaimRequirement,
  type RouteRequirement,
} from '@portcullis/core';
import type { Context, Middleware, Next } from 'koa';
import { respondWithAuthError } from './respond.js';
import { AUTH_BINDING, type StateWithBinding } from './state.js';

function scopeGuard(requirement: RouteRequirement, name: string): Middleware {
  const missingAuth = `@portcullis/koa: ${name}(...) must run after requireAuth(...) on the same request`;

  async function portcullisScopeGuard(ctx: Context, next: Next): Promise<void> {
    const state = ctx.state as StateWithBinding;
    const binding = state[AUTH_BINDING];
    // A wiring mistake, not a refusal: it goes to the app's error handling as a 500.
    if (binding === undefined) throw new Error(missingAuth);
    try {
      // Without a credential (optional mode) core answers 401, and counts it.
      binding.verifier.checkScopes(state.auth, requirement);
    } catch (error) {
      if (binding.passErrors || !isAuthError(error)) throw error;
      respondWithAuthError(ctx, error);
      return;
    }
    await next();
  }

  return portcullisScopeGuard;
}

/**
 * Route middleware that requires every one of `scopes` in the token that `requireAuth` verified;
 * otherwise 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`. Scopes are
 * checked when the route is declared: an invalid scope token, or none at all, is a `TypeError`.
 *
 * @example
 * ```ts
 * app.use(requireAuth(verifier));
 * router.get('/orders', requireScopes('orders:read'), listOrders);
 * router.post('/orders', requireScopes('orders:read', 'orders:write'), createOrder);
 * ```
 */
export function requireScopes(...scopes: string[]): Middleware {
  const requirement = scopeRequirement({ allOf: scopes }, 'requireScopes');
  if (requirement === undefined) throw new TypeError('requireScopes: needs at least one scope');
  return scopeGuard(requirement, 'requireScopes');
}

/**
 * Route middleware that requires at least one of `scopes` in the token that `requireAuth` verified;
 * otherwise 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` naming them all.
 * Scopes are checked when the route is declared: an invalid scope token, or none at all, is a
 * `TypeError`.
 *
 * @example
 * ```ts
 * router.get('/reports', requireAuth(verifier), requireAnyScope('reports:read', 'admin'), showReports);
 * ```
 */
export function requireAnyScope(...scopes: string[]): Middleware {
  const requirement = scopeRequirement({ anyOf: scopes }, 'requireAnyScope');
  if (requirement === undefined) throw new TypeError('requireAnyScope: needs at least one scope');
  return scopeGuard(requirement, 'requireAnyScope');
}

function roleGuard(roles: readonly string[], anyOf: boolean, name: string): Middleware {
  if (roles.length === 0) throw new TypeError(`${name}: needs at least one role`);
  return scopeGuard(routeRequirement({ roles: anyOf ? { anyOf: roles } : { allOf: roles } }, name)!, name);
}

/**
 * Route middleware that requires every one of `roles` on the token `requireAuth` verified (read from
 * the issuer's `roleClaims`, default `roles`); otherwise 403 with `WWW-Authenticate: Bearer
 * error="insufficient_scope", error_description="…"` naming the missing roles. An empty list or an
 * empty role name is a `TypeError` when the route is declared.
 *
 * @example
 * ```ts
 * router.delete('/orders/:id', requireAuth(verifier), requireRoles('orders-admin'), deleteOrder);
 * ```
 */
export function requireRoles(...roles: string[]): Middleware {
  return roleGuard(roles, false, 'requireRoles');
}

/**
 * Route middleware that requires at least one of `roles` on the token; otherwise 403 naming them.
 *
 * @example
 * ```ts
 * router.get('/reports', requireAuth(verifier), requireAnyRole('auditor', 'admin'), showReports);
 * ```
 */
export function requireAnyRole(...roles: string[]): Middleware {
  return roleGuard(roles, true, 'requireAnyRole');
}

/**
 * Route middleware that requires claims of the token (see `ClaimRequirement`): a failure is a 403
 * whose description names the claim, never its value. A wrong condition is a `TypeError` when the
 * route is declared.
 *
 * @example
 * ```ts
 * router.get('/acme/orders', requireAuth(verifier), requireClaims({ tenant: 'acme' }), listOrders);
 * ```
 */
export function requireClaims(claims: ClaimRequirement): Middleware {
  const requirement = routeRequirement({ claims }, 'requireClaims');
  if (requirement === undefined) throw new TypeError('requireClaims: needs a claim requirement');
  return scopeGuard(requirement, 'requireClaims');
}
