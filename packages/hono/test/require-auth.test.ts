/**
 * The Hono middleware in a real Hono app, called through `app.request()` (Hono's own `Request` path)
 * and on Node through `@hono/node-server`, against the fake issuer over loopback.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createDpopKey, createDpopProof, startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  AuthError,
  InsufficientScopeError,
  createVerifier,
  requireAnyRole,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRoles,
  requireScopes,
  resourceMetadataHandler,
  type AccessToken,
  type AuthEnv,
  type Verifier,
} from '../src/index.js';

let issuer: FakeIssuer;
let verifier: Verifier;
const RESOURCE = 'https://api.example.com/api';
const METADATA = 'https://api.example.com/.well-known/oauth-protected-resource/api';

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, realm: 'api', resourceMetadata: { resource: RESOURCE } });
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

const token = (scope = 'orders:read') => issuer.mint({ aud: RESOURCE, scope });
const bearer = (value: string) => ({ headers: { authorization: `Bearer ${value}` } });

function ordersApp(options?: Parameters<typeof requireAuth>[1]) {
  const app = new Hono();
  app.get('/health', (c) => c.text('ok'));
  app.use(resourceMetadataHandler(verifier));
  const api = new Hono<AuthEnv>();
  api.use(requireAuth(verifier, { ...options, optional: false }));
  api.get('/orders', (c) => {
    expectTypeOf(c.var.auth).toEqualTypeOf<AccessToken>();
    return c.json({ client: c.var.auth.clientId, scopes: c.get('auth').scopes });
  });
  api.post('/orders', requireScopes('orders:write'), (c) => c.json({ created: true }, 201));
  api.get('/reports', requireAnyScope('reports:read', 'orders:admin'), (c) => c.json({ ok: true }));
  app.route('/api', api);
  return app;
}

describe('requireAuth: happy flow', () => {
  it('sets c.var.auth / c.get("auth") to the verified token', async () => {
    const response = await ordersApp().request('/api/orders', bearer(token()));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ client: 'client-123', scopes: ['orders:read'] });
  });

  it('requireScopes and requireAnyScope pass a token with the scopes', async () => {
    const app = ordersApp();
    expect((await app.request('/api/orders', { method: 'POST', ...bearer(token('orders:write')) })).status).toBe(201);
    expect((await app.request('/api/reports', bearer(token('orders:admin')))).status).toBe(200);
  });

  it('optional: c.var.auth is undefined without a credential (typed so)', async () => {
    const app = new Hono();
    const auth = requireAuth(verifier, { optional: true });
    app.get('/feed', auth, (c) => {
      expectTypeOf(c.var.auth).toEqualTypeOf<AccessToken | undefined>();
      return c.json({ authenticated: c.var.auth !== undefined });
    });
    expect(await (await app.request('/feed')).json()).toEqual({ authenticated: false });
    expect(await (await app.request('/feed', bearer(token()))).json()).toEqual({ authenticated: true });
  });

  it('serves the metadata document without a token', async () => {
    const response = await ordersApp().request(METADATA);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { resource: string }).resource).toBe(RESOURCE);
  });
});

describe('requireAuth: error flow', () => {
  it('401 with the challenge naming the metadata URL, and core\'s JSON body', async () => {
    const response = await ordersApp().request('/api/orders');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${METADATA}"`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // No credential: no error code in the challenge (RFC 6750 §3.1), and none in the body.
    expect(await response.json()).toEqual({ error_description: 'authentication required' });
  });

  it('403 insufficient_scope from requireScopes and requireAnyScope', async () => {
    const app = ordersApp();
    const write = await app.request('/api/orders', { method: 'POST', ...bearer(token()) });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toMatch(/error="insufficient_scope", .*scope="orders:write"/);
    const reports = await app.request('/api/reports', bearer(token()));
    expect(reports.headers.get('www-authenticate')).toMatch(/scope="reports:read orders:admin"/);
  });

  it("errors: 'pass' throws an HTTPException whose res is the answer and whose cause is the AuthError", async () => {
    const app = new Hono();
    const seen: unknown[] = [];
    app.onError((error, c) => {
      seen.push(error);
      if (error instanceof HTTPException) return error.getResponse();
      return c.text('unexpected', 500);
    });
    app.use(requireAuth(verifier, { errors: 'pass' }));
    app.get('/orders', requireScopes('orders:write'), (c) => c.text('ok'));
    const response = await app.request('/orders', bearer(token()));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect(seen).toHaveLength(1);
    const error = seen[0] as HTTPException;
    expect(error).toBeInstanceOf(HTTPException);
    expect(error.status).toBe(403);
    expect(error.cause).toBeInstanceOf(InsufficientScopeError);
    expect(error.cause).toBeInstanceOf(AuthError);
  });

  it('a scope guard without requireAuth is the app\'s 500, never a pass', async () => {
    const app = new Hono();
    app.get('/orders', requireScopes('orders:read'), (c) => c.text('ok'));
    const response = await app.request('/orders', bearer(token()));
    expect(response.status).toBe(500);
  });

  it('options are checked when the middleware is made', () => {
    expect(() => requireAuth(verifier, { errors: 'throw' } as never)).toThrow(/option "errors" must be 'respond' or 'pass'/);
    expect(() => requireAuth(verifier, { optinal: true } as never)).toThrow(/did you mean "optional"/);
    expect(() => requireScopes()).toThrow(/requireScopes\(\) needs at least one scope/);
    expect(() => requireAnyScope('a b')).toThrow(TypeError);
  });
});

describe('on Node through @hono/node-server, with DPoP nonces', () => {
  it('the accepted answer and the 403 of a missing scope carry a fresh DPoP-Nonce', async () => {
    const nonceVerifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, dpop: { nonce: true } });
    const app = new Hono<AuthEnv>();
    app.use(requireAuth(nonceVerifier));
    app.get('/orders', (c) => c.json({ subject: c.var.auth.subject }));
    app.get('/admin', requireScopes('orders:admin'), (c) => c.text('ok'));
    // A raw Response with immutable headers: the nonce is still added.
    app.get('/moved', () => Response.redirect('https://api.example.com/orders', 308));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const key = createDpopKey();
      const dpopToken = issuer.mint({ scope: 'orders:read' }, { dpopKey: key });
      const ask = (path: string, nonce?: string) =>
        fetch(`${base}${path}`, {
          redirect: 'manual',
          headers: { authorization: `DPoP ${dpopToken}`, dpop: createDpopProof({ key, htm: 'GET', htu: `${base}${path}`, accessToken: dpopToken, ...(nonce === undefined ? {} : { nonce }) }) },
        });
      const first = await ask('/orders');
      expect(first.status).toBe(401);
      const nonce = first.headers.get('dpop-nonce')!;
      expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
      for (const [path, status] of [['/orders', 200], ['/admin', 403], ['/moved', 308]] as const) {
        const answer = await ask(path, nonce);
        expect(answer.status, path).toBe(status);
        expect(answer.headers.get('dpop-nonce'), path).toMatch(/^[A-Za-z0-9_-]+$/);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      nonceVerifier.close();
    }
  });
});

describe('roles and claims per route', () => {
  it('requireRoles, requireAnyRole and requireClaims: 200 when met, 403 naming the role or claim otherwise', async () => {
    const app = new Hono<AuthEnv>();
    app.use(requireAuth(verifier));
    app.get('/admin', requireRoles('orders-admin'), (c) => c.text('ok'));
    app.get('/audit', requireAnyRole('auditor', 'orders-admin'), (c) => c.text('ok'));
    app.get('/acme', requireClaims({ tenant: 'acme' }), (c) => c.text('ok'));
    const admin = issuer.mint({ aud: RESOURCE, roles: ['orders-admin'], tenant: 'acme' });
    const viewer = issuer.mint({ aud: RESOURCE, roles: ['viewer'], tenant: 'globex' });
    for (const path of ['/admin', '/audit', '/acme']) expect((await app.request(path, bearer(admin))).status, path).toBe(200);
    for (const path of ['/admin', '/audit', '/acme']) {
      const refused = await app.request(path, bearer(viewer));
      expect(refused.status, path).toBe(403);
      expect(refused.headers.get('www-authenticate'), path).toMatch(/error="insufficient_scope"/);
    }
    expect(((await (await app.request('/acme', bearer(viewer))).json()) as { error_description: string }).error_description).not.toContain('globex');
  });

  it('a guard without a role or claim is a TypeError when declared', () => {
    expect(() => requireRoles()).toThrow(/requireRoles\(\) needs at least one role/);
    expect(() => requireClaims({})).toThrow(TypeError);
  });
});
