/**
 * `requireScopes` and `requireAnyScope`: per-route scope guards that run after `requireAuth`.
 */
import type { NextFunction, Request, Response } from 'express';
import { scopeRequirement, type ScopeRequirement } from '@portcullis/core';
import { getAuthState, refuse, type Middleware } from './auth-state.js';

const NOT_AUTHENTICATED =
  'Portcullis: a scope guard (requireScopes/requireAnyScope) ran before requireAuth(); mount requireAuth() first';

function scopeGuard(requirement: ScopeRequirement): Middleware {
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

function checkedRequirement(scopes: readonly string[], anyOf: boolean, name: string): ScopeRequirement {
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
