/**
 * `requireScopes` and `requireAnyScope`: per-route scope guards that run after `requireAuth`.
 */
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { scopeRequirement, type ScopeRequirement } from '@portcullis/core';
import { getAuthState, refuse } from './auth-state.js';
import type { OptionalAuthEnv } from './require-auth.js';

const NOT_AUTHENTICATED =
  'Portcullis: a scope guard (requireScopes/requireAnyScope) ran before requireAuth(); mount requireAuth() first';

function scopeGuard(requirement: ScopeRequirement): MiddlewareHandler<OptionalAuthEnv<object>> {
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

function checkedRequirement(scopes: readonly string[], anyOf: boolean, name: string): ScopeRequirement {
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
