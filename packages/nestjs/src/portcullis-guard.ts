/**
 * The guard: verifies the request's token with core, checks the route's scopes, and answers a
 * refusal itself.
 */
import { IncomingMessage } from 'node:http';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { describeRequest, isAuthError, type AccessToken, type AuthError } from '@portcullis/core';
import type { PortcullisSettings } from './options.js';
import { AnsweredRefusal } from './answered-refusal.js';
import { PortcullisException } from './portcullis-exception.js';
import { setVerdict, verdictOf } from './request-state.js';
import { respondWithAuthError, setAuthErrorHeaders, setHeaders } from './respond.js';
import { routeAuthOf } from './route-metadata.js';
import { PORTCULLIS_SETTINGS } from './tokens.js';

const NOT_HTTP =
  'Portcullis: PortcullisGuard protects HTTP routes only; mark this handler or its class @Public(), or install the guard per controller (global: false)';

/** Node's request under the platform's: Express's `req` is one, Fastify's `request.raw` holds one. */
function nodeRequestOf(request: unknown): IncomingMessage {
  if (request instanceof IncomingMessage) return request;
  const raw = (request as { raw?: unknown } | null)?.raw;
  if (raw instanceof IncomingMessage) return raw;
  throw new Error('Portcullis: PortcullisGuard needs @nestjs/platform-express or @nestjs/platform-fastify');
}

/**
 * The guard that `PortcullisModule` installs for every route (or that `@UseGuards(PortcullisGuard)`
 * applies where `global: false`). On each request it verifies the bearer token (core does: the
 * credential rules, the JWT, the keys), then every `@Scopes()`/`@AnyScope()`/`@Roles()`/`@AnyRole()`/`@RequireClaims()` of the controller and the
 * handler, and makes the token the value of `@Auth()`. A `@Public()` route is let through untouched.
 *
 * A refusal (400, 401, 403, 503) is answered by the guard itself, byte for byte as
 * `@portcullis/express` and `@portcullis/fastify` answer it, and never reaches the app's exception
 * filters, so a catch-all filter cannot drop the challenge; Nest's pipeline for the request still
 * ends (a filter of this package takes the refusal the guard answered). With `errors: 'pass'` it throws a
 * {@link PortcullisException} for those filters instead.
 *
 * @example
 * ```ts
 * @Module({ imports: [PortcullisModule.forRoot({ issuer, audience, global: false })], controllers: [OrdersController] })
 * class AppModule {}
 *
 * @Controller('orders')
 * @UseGuards(PortcullisGuard)
 * class OrdersController {}
 * ```
 */
@Injectable()
export class PortcullisGuard implements CanActivate {
  readonly #settings: PortcullisSettings;
  readonly #authenticateOptions: { optional: boolean };

  constructor(@Inject(PORTCULLIS_SETTINGS) settings: PortcullisSettings) {
    this.#settings = settings;
    this.#authenticateOptions = Object.freeze({ optional: settings.optional });
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = routeAuthOf(context.getClass(), context.getHandler());
    if (context.getType() !== 'http') {
      if (route.isPublic) return true;
      throw new Error(NOT_HTTP);
    }
    const http = context.switchToHttp();
    const request: object = http.getRequest();
    // Applied twice (globally and by @UseGuards): the first run decided, and a refusal never got here.
    if (verdictOf(request) !== undefined) return true;
    if (route.isPublic) {
      setVerdict(request, { auth: undefined });
      return true;
    }
    return this.#authenticate(request, http.getResponse(), route.requirements);
  }

  async #authenticate(request: object, response: unknown, requirements: ReturnType<typeof routeAuthOf>['requirements']): Promise<boolean> {
    const { verifier } = this.#settings;
    let auth: AccessToken<object> | undefined;
    try {
      const body = (request as { body?: unknown }).body;
      auth = await verifier.authenticate(describeRequest(nodeRequestOf(request), body), this.#authenticateOptions);
      // On every answer to an accepted token, a scope refusal included (as in the other adapters).
      const headers = verifier.responseHeaders?.(auth);
      if (headers !== undefined) setHeaders(response, headers);
      // Without a token (optional mode) core answers 401 here, and counts it.
      for (const requirement of requirements) verifier.checkScopes(auth, requirement);
    } catch (error) {
      if (!isAuthError(error)) throw error;
      return this.#refuse(error, response);
    }
    setVerdict(request, { auth: auth as AccessToken | undefined });
    return true;
  }

  #refuse(error: AuthError, response: unknown): never {
    if (this.#settings.passErrors) {
      // So that Nest's default handler, which renders status and body only, sends the challenge too.
      setAuthErrorHeaders(response, error);
      throw new PortcullisException(error);
    }
    // Already answered by someone else, or a response of an unknown kind: Nest's exception layer.
    if (!respondWithAuthError(response, error)) throw new PortcullisException(error);
    // Answered: this ends Nest's pipeline through AnsweredRefusalFilter, ahead of the app's filters.
    throw new AnsweredRefusal(error);
  }
}
