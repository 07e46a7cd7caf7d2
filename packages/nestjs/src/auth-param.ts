/**
 * `@Auth()`: the verified token as a handler parameter.
 */
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AccessToken } from '@portcullis/core';
import { verdictOf } from './request-state.js';

const NOT_GUARDED =
  'Portcullis: @Auth() is used on a route where PortcullisGuard did not run; keep the guard global, or add @UseGuards(PortcullisGuard)';

const authParam = createParamDecorator((_data: unknown, context: ExecutionContext): AccessToken | undefined => {
  const verdict = verdictOf(context.switchToHttp().getRequest<object>());
  // A wiring mistake, not a client error: a handler that expects a verified token must not run without one.
  if (verdict === undefined) throw new Error(NOT_GUARDED);
  return verdict.auth;
});

/**
 * The verified {@link AccessToken} of the request, as a handler parameter: declare it as
 * `AccessToken` (its claims typed with your `CustomClaims` declaration of `@portcullis/core`), or as
 * `AccessToken | undefined` on a `@Public()` route or in optional mode, where a request may come
 * without a token. Using it on a route the guard did not run on is an error (500), so that a missing
 * guard never goes unnoticed.
 *
 * @example
 * ```ts
 * declare module '@portcullis/core' {
 *   interface CustomClaims { tenant_id: string }
 * }
 *
 * @Get('orders')
 * list(@Auth() auth: AccessToken) {
 *   return this.orders.forTenant(auth.claims.tenant_id);
 * }
 * ```
 */
export function Auth(): ParameterDecorator {
  return authParam();
}
