// Type tests: checked by the test tsconfig in `pnpm lint`; the runtime part only builds an app.
import { describe, expectTypeOf, it } from 'vitest';
import Fastify, { type FastifyContextConfig, type FastifyInstance, type FastifyRequest } from 'fastify';
import { createVerifier, type AccessToken, type Verifier } from '@portcullis/core';
import portcullis, { type FastifyPortcullisOptions, type RouteAuthConfig } from '../src/index.js';

declare module '@portcullis/core' {
  interface CustomClaims {
    tenant_id: string;
  }
}

/** Never called: each line must be a type error (these would also throw at startup). */
function wrongUses(app: FastifyInstance, verifier: Verifier): FastifyPortcullisOptions[] {
  // @ts-expect-error claims may be read only once the token is known to be there
  app.get('/unsafe', (request) => request.auth.claims);
  // @ts-expect-error the declared claim is a string
  app.get('/wrong-claim', (request): number | undefined => request.auth?.claims.tenant_id);
  // @ts-expect-error scopes is a list, not a space-delimited string
  app.get('/typo', { config: { auth: { scopes: 'orders:read' } } }, () => 'ok');
  // @ts-expect-error auth is false or an object: a valid token is required by default
  const alwaysOn: FastifyContextConfig = { auth: true };
  // Inline in a route, where Fastify infers its ContextConfig generic from the literal, the types
  // refuse what the plugin refuses at startup:
  // @ts-expect-error `true` is not a route auth config
  app.get('/true', { config: { auth: true } }, () => 'ok');
  // @ts-expect-error nor is a number
  app.get('/number', { config: { auth: 123 } }, () => 'ok');
  // @ts-expect-error `scope` is a misspelling of `scopes`
  app.get('/misspelt', { config: { auth: { scope: ['orders:read'] } } }, () => 'ok');
  // @ts-expect-error the same through app.route
  app.route({ method: 'GET', url: '/route', config: { auth: true }, handler: () => 'ok' });
  // @ts-expect-error a shared verifier cannot be combined with verifier options
  const mixed: FastifyPortcullisOptions = { verifier, issuer: 'https://other.example.com/' };
  // @ts-expect-error errors is 'respond' or 'pass'
  const wrongErrors: FastifyPortcullisOptions = { ...options, errors: 'throw' };
  void alwaysOn;
  return [mixed, wrongErrors];
}

const options = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };

describe('types', () => {
  it('request.auth is the AccessToken or undefined, with the claims the app declared', async () => {
    const app = Fastify();
    await app.register(portcullis, options);
    app.get('/me', { config: { auth: { scopes: ['orders:read'] } } }, (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AccessToken | undefined>();
      if (request.auth === undefined) return null;
      expectTypeOf(request.auth.claims.tenant_id).toEqualTypeOf<string>();
      expectTypeOf(request.auth.claims.undeclared).toEqualTypeOf<unknown>();
      expectTypeOf(request.auth.scopes).toEqualTypeOf<readonly string[]>();
      return request.auth.claims.tenant_id;
    });
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<AccessToken | undefined>();
    await app.close();
  });

  it('route config and plugin options are checked', async () => {
    const app = Fastify();
    const verifier = createVerifier(options);
    await app.register(portcullis, { verifier, optional: true, errors: 'pass' });
    app.get('/public', { config: { auth: false } }, () => 'ok');
    app.get('/any', { config: { auth: { anyScope: ['a', 'b'] as const } } }, () => 'ok');
    app.get('/none', { config: { auth: {} } }, () => 'ok');
    app.get('/both', { config: { auth: { scopes: ['a'], anyScope: ['b', 'c'] } } }, () => 'ok');
    const all: RouteAuthConfig = { scopes: ['a'] };
    expectTypeOf(all).toExtend<RouteAuthConfig>();
    expectTypeOf(wrongUses).toBeFunction();
    verifier.close();
    await app.close();
  });
});
