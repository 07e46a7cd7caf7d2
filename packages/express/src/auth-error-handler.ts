/**
 * `authErrorHandler`: the Express error handler that answers the `AuthError`s `errors: 'pass'` hands on.
 */
import type { ErrorRequestHandler } from 'express';
import { isAuthError, writeErrorResponse } from '@portcullis/core';

/**
 * An Express error handler (four arguments) that answers an `AuthError` exactly as `requireAuth` does
 * with `errors: 'respond'` (status, challenge or `Retry-After`, JSON body) and passes anything else on.
 * Mount it after your routes and your own error handlers when you use `errors: 'pass'`: Express's
 * default handler would otherwise `console.error` every refusal (a stack trace per 401, whatever
 * `NODE_ENV` says) and, outside production, send the stack as the body.
 *
 * @example
 * ```ts
 * app.use(requireAuth(verifier, { errors: 'pass' }));
 * app.get('/orders', requireScopes('orders:read'), listOrders);
 * app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
 *   if (err instanceof AuthError) metrics.refused.inc({ reason: err.reason });
 *   next(err);
 * });
 * app.use(authErrorHandler());
 * ```
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (!isAuthError(error) || res.headersSent) {
      next(error);
      return;
    }
    try {
      writeErrorResponse(res, error);
    } catch (writeError) {
      next(writeError);
    }
  };
}
