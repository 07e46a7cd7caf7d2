// Type tests: checked by `pnpm lint` (the test tsconfig), where a wrong type or an unused
// `@ts-expect-error` fails; at run time they only build middleware.
import express, { type Request, type RequestHandler } from 'express';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AccessToken, JwtClaims, Verifier } from '@portcullis/core';
import {
  requireAnyScope,
  requireAuth,
  requireScopes,
  type AuthMiddleware,
  type RequireAuthOptions,
} from '../src/index.js';

// What a user writes once to type their own claims on every request.
declare module '@portcullis/core' {
  interface CustomClaims {
    tenant_id: string;
  }
}

const options = { issuer: 'https://issuer.example.com/', audience: 'https://api.example.com' };

describe('types', () => {
  it('req.auth is the verified AccessToken or undefined, with the declared custom claims', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<AccessToken | undefined>();

    const handler: RequestHandler = (req, res) => {
      const auth = req.auth;
      if (auth === undefined) {
        res.sendStatus(401);
        return;
      }
      expectTypeOf(auth.claims.tenant_id).toEqualTypeOf<string>();
      expectTypeOf(auth.claims.sub).toEqualTypeOf<string | undefined>();
      expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>();
      expectTypeOf(auth.expiresAt).toEqualTypeOf<Date>();
      // @ts-expect-error tenant_id is declared as a string
      const tenant: number = auth.claims.tenant_id;
      // @ts-expect-error scopes are read-only
      auth.scopes[0] = 'orders:admin';
      res.json({ tenant });
    };
    const reader: RequestHandler = (req, res) => {
      // @ts-expect-error req.auth may be undefined (optional mode, or no requireAuth)
      res.send(req.auth.subject);
    };
    expect([typeof handler, typeof reader]).toEqual(['function', 'function']);
  });

  it('the middleware fits Express routes, keeps their param types and carries its read-only verifier', () => {
    const auth = requireAuth(options);
    expectTypeOf(auth).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(auth).toExtend<RequestHandler>();
    expectTypeOf(auth.verifier).toEqualTypeOf<Verifier<JwtClaims>>();
    expect(() => {
      // @ts-expect-error the verifier cannot be replaced
      auth.verifier = null as never;
    }).toThrow(TypeError);

    const app = express();
    app.use(auth);
    app.get('/orders/:id', auth, requireScopes('orders:read'), requireAnyScope('a', 'b'), (req, res) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      res.send(req.auth?.subject);
    });
    expect(typeof auth.verifier.close).toBe('function');
    auth.verifier.close();
  });

  it('a claims type given as a generic types the verifier', () => {
    interface OrdersClaims {
      roles: string[];
    }
    const auth = requireAuth<OrdersClaims>(options);
    expectTypeOf(auth.verifier).toEqualTypeOf<Verifier<OrdersClaims>>();
    expectTypeOf(requireAuth(auth.verifier)).toEqualTypeOf<AuthMiddleware<OrdersClaims>>();
    auth.verifier.close();
  });

  it('wrong uses do not compile', () => {
    const wrong = (): void => {
      // @ts-expect-error verifier options or a verifier are required
      requireAuth();
      // @ts-expect-error errors is 'respond' or 'pass'
      requireAuth(options, { errors: 'throw' });
      // @ts-expect-error optional is a boolean
      requireAuth(options, { optional: 'yes' });
      // @ts-expect-error scopes are given as arguments, not as an array
      requireScopes(['orders:read']);
      // @ts-expect-error scopes are strings
      requireAnyScope(1);
    };
    expectTypeOf<RequireAuthOptions['errors']>().toEqualTypeOf<'respond' | 'pass' | undefined>();
    expect(typeof wrong).toBe('function');
  });
});
