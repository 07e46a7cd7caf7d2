// Type specs: checked by the test tsconfig in `pnpm lint` (a wrong type is a compile error there), and
// run as real requests so that the claims the types promise are the ones the handler gets.
import Router from '@koa/router';
import { createVerifier, type AccessToken, type JwtClaims, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { requireAnyScope, requireAuth, requireScopes, type AuthState, type RequireAuthMiddleware } from '../src/index.js';
import { bearer, listen, send } from './helpers.js';

// What a user writes once in their app. Optional here because this test project also type-checks
// core's sources, which build claims from plain JSON objects.
declare module '@portcullis/core' {
  interface CustomClaims {
    tenant_id?: string;
  }
}

interface OrderClaims {
  region: 'eu' | 'us';
}

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

describe('types', () => {
  it('ctx.state.auth carries the CustomClaims declared by the app, in a @koa/router handler', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
    const app = new Koa();
    const router = new Router();
    app.use(requireAuth(verifier));
    router.get('/tenant', requireScopes('orders:read'), (ctx) => {
      expectTypeOf(ctx.state.auth).not.toBeAny();
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AccessToken | undefined>();
      expectTypeOf(ctx.state.auth!.claims.tenant_id).toEqualTypeOf<string | undefined>();
      expectTypeOf(ctx.state.auth!.scopes).toEqualTypeOf<readonly string[]>();
      // @ts-expect-error a declared claim keeps its declared type
      const wrong: number = ctx.state.auth!.claims.tenant_id;
      void wrong;
      ctx.body = { tenant: ctx.state.auth?.claims.tenant_id ?? null };
    });
    app.use(router.routes());
    const running = await listen(app);
    try {
      const token = issuer.mint({ tenant_id: 'acme', scope: 'orders:read' });
      const answer = await send(`${running.url}/tenant`, { authorization: bearer(token) });
      expect(JSON.parse(answer.body)).toEqual({ tenant: 'acme' });
    } finally {
      await running.close();
      verifier.close();
    }
  });

  it('a claim shape given as a generic types ctx.state.auth on a router typed with AuthState', async () => {
    const verifier = createVerifier<OrderClaims>({
      issuer: issuer.url,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
    });
    const auth = requireAuth(verifier);
    expectTypeOf(auth).toEqualTypeOf<RequireAuthMiddleware<OrderClaims>>();
    expectTypeOf(auth.verifier).toEqualTypeOf<Verifier<OrderClaims>>();
    const app = new Koa();
    const router = new Router<AuthState<OrderClaims>>();
    router.get('/region', auth, requireAnyScope('orders:read', 'admin'), (ctx) => {
      expectTypeOf(ctx.state.auth!.claims.region).toEqualTypeOf<'eu' | 'us'>();
      ctx.body = { region: ctx.state.auth?.claims.region ?? null };
    });
    app.use(router.routes());
    const running = await listen(app);
    try {
      const token = issuer.mint({ region: 'eu', scope: 'admin' });
      const answer = await send(`${running.url}/region`, { authorization: bearer(token) });
      expect(JSON.parse(answer.body)).toEqual({ region: 'eu' });
    } finally {
      await running.close();
      verifier.close();
    }
  });

  it('declaration signatures refuse wrong arguments at compile time and at run time', () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
    try {
      expectTypeOf(requireAuth(verifier).verifier).toEqualTypeOf<Verifier<JwtClaims>>();
      // Koa 2 apps take the same middleware.
      new Koa2().use(requireAuth(verifier, { optional: true }));
      // @ts-expect-error scopes are strings
      expect(() => requireScopes(42)).toThrow(TypeError);
      // @ts-expect-error errors is 'respond' or 'pass'
      expect(() => requireAuth(verifier, { errors: 'throw' })).toThrow(TypeError);
      // @ts-expect-error optional is a boolean
      expect(() => requireAuth(verifier, { optional: 1 })).toThrow(TypeError);
      // @ts-expect-error a verifier or its options
      expect(() => requireAuth('https://issuer.example.com')).toThrow(TypeError);
    } finally {
      verifier.close();
    }
  });
});
