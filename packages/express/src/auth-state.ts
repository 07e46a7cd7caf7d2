/**
 * What `requireAuth` leaves on the request for the scope guards that follow it, and the one place
 * where an {@link AuthError} becomes an answer (or is handed to the app's error handlers).
 */
import type { NextFunction, Request, Response } from 'express';
import { isAuthError, writeErrorResponse, type Verifier } from '@portcullis/core';

/**
 * An Express middleware that fits any route, app or router, on Express 5 and 4. Generic so that
 * putting it in a route's chain keeps the route's own `req.params`, body, query and locals types
 * (a plain `RequestHandler` would pin them to Express's defaults).
 *
 * @example
 * ```ts
 * const guard: Middleware = requireScopes('orders:read');
 * app.get('/orders/:id', requireAuth(verifier), guard, (req, res) => res.json({ id: req.params.id }));
 * ```
 */
export interface Middleware {
  <P, ResBody, ReqBody, ReqQuery, Locals extends object>(
    req: Request<P, ResBody, ReqBody, ReqQuery, Locals>,
    res: Response<ResBody, Locals>,
    next: NextFunction,
  ): void;
}

/** Per `requireAuth` call, built once: the verifier that judged the request and the error mode. */
export interface AuthState {
  readonly verifier: Verifier<object>;
  /** `errors: 'pass'`: AuthErrors go to `next(err)` instead of being answered here. */
  readonly pass: boolean;
}

// Module-private key: nothing but this package reads or writes it, and it never shows in JSON or logs.
const AUTH_STATE = Symbol('portcullis.express.auth-state');

type RequestWithState = Request & { [AUTH_STATE]?: AuthState };

export function setAuthState(req: Request, state: AuthState): void {
  (req as RequestWithState)[AUTH_STATE] = state;
}

export function getAuthState(req: Request): AuthState | undefined {
  return (req as RequestWithState)[AUTH_STATE];
}

/**
 * Ends a refused request: an AuthError is answered (or passed on with `errors: 'pass'`); anything else
 * is a bug and takes Express's normal error path. Never throws.
 */
export function refuse(error: unknown, res: Response, next: NextFunction, pass: boolean): void {
  if (!isAuthError(error) || pass || res.headersSent) {
    next(error);
    return;
  }
  try {
    writeErrorResponse(res, error);
  } catch (writeError) {
    next(writeError);
  }
}
