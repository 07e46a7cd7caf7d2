/**
 * What `requireAuth` leaves behind for the scope guards that follow it, and the one place where an
 * {@link AuthError} becomes an answer (or Hono's `HTTPException` with `errors: 'pass'`).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { authErrorResponse, isAuthError, type Verifier } from '@portcullis/core';

/** Per `requireAuth` call, built once: the verifier that judged the request and the error mode. */
export interface AuthState {
  readonly verifier: Verifier<object>;
  /** `errors: 'pass'`: refusals are thrown as `HTTPException`s instead of being answered here. */
  readonly pass: boolean;
}

// Keyed by Hono's context, private to this package: nothing shows in `c.var`, JSON or logs.
const states = new WeakMap<Context, AuthState>();

export function setAuthState(c: Context, state: AuthState): void {
  states.set(c, state);
}

export function getAuthState(c: Context): AuthState | undefined {
  return states.get(c);
}

/**
 * The answer to a refusal: the response itself, or with `errors: 'pass'` an `HTTPException` carrying it
 * as `res` (Hono's default error handler sends it as it is) and the AuthError as `cause`. Anything that
 * is not an AuthError is a bug and is rethrown for Hono's `onError`.
 */
export function refuse(error: unknown, pass: boolean): Response {
  if (!isAuthError(error)) throw error;
  const res = authErrorResponse(error);
  if (pass) throw new HTTPException(error.status, { res, message: error.message, cause: error });
  return res;
}
