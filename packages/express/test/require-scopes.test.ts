import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InsufficientScopeError, errorResponse, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { requireAnyScope, requireAuth, requireScopes, type RequireAuthOptions } from '../src/index.js';
import { EXPRESS_VERSIONS, Resources, bearer, send } from './helpers.js';

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

function ok(req: Request, res: Response): void {
  res.json({ subject: req.auth?.subject ?? null });
}

describe.each(EXPRESS_VERSIONS)('scope guards on $name', ({ express }) => {
  const resources = new Resources();
  afterEach(() => resources.closeAll());

  /** An app with requireAuth at app level and one guarded route per entry of `routes`. */
  async function serve(
    verifier: Verifier,
    routes: Record<string, RequestHandler>,
    options?: RequireAuthOptions,
    errorHandler?: (error: unknown, req: Request, res: Response, next: NextFunction) => void,
  ): Promise<string> {
    const app = express();
    app.use(requireAuth(verifier, options));
    for (const [path, guard] of Object.entries(routes)) app.get(path, guard, ok);
    if (errorHandler !== undefined) app.use(errorHandler);
    return resources.serve(app);
  }

  describe('requireScopes (all of)', () => {
    const routes = { '/write': requireScopes('orders:write', 'orders:admin') };

    it('200 when the token has every required scope', async () => {
      const url = await serve(resources.verifier(issuer), routes);
      const token = issuer.mint({ sub: 'svc-admin', scope: 'orders:read orders:write orders:admin' });
      const answer = await send(url, { path: '/write', headers: bearer(token) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ subject: 'svc-admin' });
    });

    it('403 with scope="orders:write orders:admin" when one required scope is missing', async () => {
      const url = await serve(resources.verifier(issuer), routes);
      const answer = await send(url, { path: '/write', headers: bearer(issuer.mint({ scope: 'orders:write' })) });
      const expected = errorResponse(new InsufficientScopeError(['orders:write', 'orders:admin'], 'all'));
      expect(answer.status).toBe(403);
      expect(answer.headers['www-authenticate']).toBe(expected.headers['WWW-Authenticate']);
      expect(answer.headers['www-authenticate']).toMatch(
        /^Bearer error="insufficient_scope", error_description="[^"]+", scope="orders:write orders:admin"$/,
      );
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.body).toBe(JSON.stringify(expected.body));
    });

    it('scopes match exactly and case-sensitively', async () => {
      const url = await serve(resources.verifier(issuer), { '/read': requireScopes('orders:read') });
      for (const scope of ['Orders:Read', 'orders:read-all', 'orders', '']) {
        const answer = await send(url, { path: '/read', headers: bearer(issuer.mint({ scope })) });
        expect(answer.status).toBe(403);
      }
    });

    it('403 carries the configured realm', async () => {
      const url = await serve(resources.verifier(issuer, { realm: 'orders-api' }), routes);
      const answer = await send(url, { path: '/write', headers: bearer(issuer.mint({ scope: '' })) });
      expect(answer.status).toBe(403);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="orders-api", error="insufficient_scope"/);
    });

    it('reads scopes from scp as well as scope', async () => {
      const url = await serve(resources.verifier(issuer), routes);
      const token = issuer.mint({ scope: undefined, scp: ['orders:write', 'orders:admin'] });
      expect((await send(url, { path: '/write', headers: bearer(token) })).status).toBe(200);
    });
  });

  describe('requireAnyScope (any of)', () => {
    const routes = { '/read': requireAnyScope('orders:read', 'orders:admin') };

    it.each(['orders:read', 'orders:admin', 'billing:read orders:admin'])(
      '200 when the token has one of the accepted scopes (%s)',
      async (scope) => {
        const url = await serve(resources.verifier(issuer), routes);
        expect((await send(url, { path: '/read', headers: bearer(issuer.mint({ scope })) })).status).toBe(200);
      },
    );

    it('403 with scope="orders:read orders:admin" when the token has none of them', async () => {
      const url = await serve(resources.verifier(issuer), routes);
      const answer = await send(url, { path: '/read', headers: bearer(issuer.mint({ scope: 'billing:read' })) });
      const expected = errorResponse(new InsufficientScopeError(['orders:read', 'orders:admin'], 'any'));
      expect(answer.status).toBe(403);
      expect(answer.headers['www-authenticate']).toBe(expected.headers['WWW-Authenticate']);
      expect(answer.headers['www-authenticate']).toContain('scope="orders:read orders:admin"');
      expect(answer.body).toBe(JSON.stringify(expected.body));
    });
  });

  describe('per-route guards', () => {
    it('each route answers for its own requirement', async () => {
      const app = express();
      const auth = requireAuth(resources.verifier(issuer));
      app.get('/read', auth, requireScopes('orders:read'), ok);
      app.post('/write', auth, requireScopes('orders:write'), ok);
      const url = await resources.serve(app);
      const token = issuer.mint({ scope: 'orders:read' });
      expect((await send(url, { path: '/read', headers: bearer(token) })).status).toBe(200);
      const write = await send(url, { method: 'POST', path: '/write', headers: bearer(token) });
      expect(write.status).toBe(403);
      expect(write.headers['www-authenticate']).toContain('scope="orders:write"');
    });
  });

  describe('optional mode', () => {
    const routes = { '/write': requireScopes('orders:write'), '/any': requireAnyScope('orders:read') };

    it.each(['/write', '/any'])('401 with the bare challenge on %s when the request has no credential', async (path) => {
      const url = await serve(resources.verifier(issuer, { realm: 'orders-api' }), routes, { optional: true });
      const answer = await send(url, { path });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer realm="orders-api", DPoP realm="orders-api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
      expect(JSON.parse(answer.body)).toEqual({ error_description: 'authentication required' });
    });

    it('403 when the token lacks the scope', async () => {
      const url = await serve(resources.verifier(issuer), routes, { optional: true });
      const answer = await send(url, { path: '/write', headers: bearer(issuer.mint({ scope: 'orders:read' })) });
      expect(answer.status).toBe(403);
    });

    it('200 when the token has the scope', async () => {
      const url = await serve(resources.verifier(issuer), routes, { optional: true });
      const answer = await send(url, { path: '/write', headers: bearer(issuer.mint({ scope: 'orders:write' })) });
      expect(answer.status).toBe(200);
    });
  });

  describe("errors: 'pass'", () => {
    it("hands the InsufficientScopeError to the app's error handler", async () => {
      const seen: unknown[] = [];
      const url = await serve(
        resources.verifier(issuer),
        { '/write': requireScopes('orders:write') },
        { errors: 'pass' },
        (error, _req, res, _next) => {
          seen.push(error);
          res.status(418).send('app');
        },
      );
      const answer = await send(url, { path: '/write', headers: bearer(issuer.mint({ scope: 'orders:read' })) });
      expect(answer.status).toBe(418);
      expect(seen).toHaveLength(1);
      const error = seen[0] as InsufficientScopeError;
      expect(error).toBeInstanceOf(InsufficientScopeError);
      expect(error.status).toBe(403);
      expect(error.requiredScopes).toEqual(['orders:write']);
      expect(error.headers['WWW-Authenticate']).toContain('scope="orders:write"');
    });

    it("Express's default error handler answers 401 for an optional request without credential", async () => {
      const url = await serve(
        resources.verifier(issuer),
        { '/write': requireScopes('orders:write') },
        { optional: true, errors: 'pass' },
      );
      const answer = await send(url, { path: '/write' });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    });
  });

  describe('without requireAuth', () => {
    it('a guard that runs before requireAuth passes a clear Error to the error handler', async () => {
      const seen: unknown[] = [];
      const app = express();
      app.get('/write', requireScopes('orders:write'), ok);
      app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
        seen.push(error);
        res.status(500).send('misconfigured');
      });
      const url = await resources.serve(app);
      const answer = await send(url, { path: '/write', headers: bearer(issuer.mint({ scope: 'orders:write' })) });
      expect(answer.status).toBe(500);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(Error);
      expect((seen[0] as Error).message).toMatch(/before requireAuth\(\)/);
    });

    it("Express's default error handler answers 500", async () => {
      const app = express();
      app.get('/any', requireAnyScope('orders:read'), ok);
      const url = await resources.serve(app);
      const answer = await send(url, { path: '/any', headers: bearer(issuer.mint({ scope: 'orders:read' })) });
      expect(answer.status).toBe(500);
      expect(answer.headers['www-authenticate']).toBeUndefined();
    });
  });
});

describe('scope guard declaration', () => {
  it.each([
    ['a scope with a space', () => requireScopes('orders:read orders:write')],
    ['a scope with a double quote', () => requireScopes('orders"read')],
    ['a scope with a backslash', () => requireAnyScope('orders\\read')],
    ['an empty scope', () => requireScopes('orders:read', '')],
    ['a non-string scope', () => requireAnyScope(42 as never)],
    ['an array instead of scopes', () => requireScopes(['orders:read'] as never)],
    ['no scope at all (all of)', () => requireScopes()],
    ['no scope at all (any of)', () => requireAnyScope()],
  ])('TypeError at declaration for %s', (_name, declare) => {
    expect(declare).toThrow(TypeError);
  });

  it('the TypeError names the guard', () => {
    expect(() => requireScopes('a b')).toThrow(/requireScopes/);
    expect(() => requireAnyScope()).toThrow(/requireAnyScope/);
  });

  it('valid scopes make a three-argument Express middleware', () => {
    for (const guard of [requireScopes('orders:read'), requireAnyScope('orders:read', 'urn:x:y/z')]) {
      expect(typeof guard).toBe('function');
      expect(guard.length).toBe(3);
    }
  });
});
