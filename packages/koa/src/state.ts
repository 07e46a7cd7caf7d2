/**
 * What `requireAuth` leaves on `ctx.state` for the handlers and for the scope guards that run after it.
 */
import type { AccessToken, JwtClaims, Verifier } from '@portcullis/core';

declare module 'koa' {
  /** `ctx.state.auth`: the verified token, set by `requireAuth` (undefined in optional mode without a credential). */
  interface DefaultState {
    auth?: AccessToken | undefined;
  }
}

/**
 * `ctx.state` after `requireAuth`, for apps and routers that type their state themselves
 * (`new Koa<AuthState>()`, `new Router<AuthState>()`), and with a claim shape given as a generic.
 *
 * @example
 * ```ts
 * interface OrderClaims { tenant_id: string }
 * const router = new Router<AuthState<OrderClaims>>();
 * router.get('/orders', (ctx) => { ctx.body = ctx.state.auth?.claims.tenant_id; });
 * ```
 */
export interface AuthState<C extends object = JwtClaims> {
  auth?: AccessToken<C> | undefined;
}

/** What a scope guard needs from the `requireAuth` that ran before it on the same request. */
export interface AuthBinding {
  readonly verifier: Verifier<object>;
  readonly passErrors: boolean;
}

/**
 * The `ctx.state` entry where `requireAuth` leaves its {@link AuthBinding}. A symbol keeps it out of
 * `Object.keys(ctx.state)` and out of anything that serializes the state (templates, logs).
 */
export const AUTH_BINDING: unique symbol = Symbol('@portcullis/koa auth binding');

export type StateWithBinding = { [AUTH_BINDING]?: AuthBinding | undefined; auth?: AccessToken<object> | undefined };
