/**
 * Next.js App Router route handlers made with `withAuth`: the route modules (next-app/app/…/route.ts)
 * are imported as Next imports them, and their exports are called the way Next calls them, with a
 * real `NextRequest` (Next's subclass of `Request`) and the `{ params }` context.
 */
import process from 'node:process';
import { NextRequest } from 'next/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import type * as MetadataRoute from './next-app/app/.well-known/oauth-protected-resource/orders/route.js';
import type * as OrdersRoute from './next-app/app/orders/[id]/route.js';
import type * as Auth from './next-app/lib/auth.js';

let issuer: FakeIssuer;
let orders: typeof OrdersRoute;
let metadata: typeof MetadataRoute;
let verifier: typeof Auth.verifier;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  process.env.TEST_ISSUER_URL = issuer.url;
  process.env.TEST_JWKS_URI = issuer.jwksUri;
  orders = await import('./next-app/app/orders/[id]/route.js');
  metadata = await import('./next-app/app/.well-known/oauth-protected-resource/orders/route.js');
  ({ verifier } = await import('./next-app/lib/auth.js'));
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

const RESOURCE = 'https://api.example.com/orders';
const context = (id: string) => ({ params: Promise.resolve({ id }) });
const request = (method: string, path: string, token?: string) =>
  new NextRequest(`https://api.example.com${path}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('Next.js route handlers', () => {
  it('GET with a token that has the scope: the handler gets the NextRequest, the token and the params', async () => {
    const response = await orders.GET(request('GET', '/orders/42?page=3', issuer.mint({ aud: RESOURCE, scope: 'orders:read' })), context('42'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: '42', client: 'client-123', page: '3' });
  });

  it('GET without a token: 401 whose challenge names the metadata URL', async () => {
    const response = await orders.GET(request('GET', '/orders/42'), context('42'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/orders"');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('DELETE without orders:admin: 403 insufficient_scope; with it, the handler\'s 204', async () => {
    const refused = await orders.DELETE(request('DELETE', '/orders/7', issuer.mint({ aud: RESOURCE, scope: 'orders:read' })), context('7'));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope", .*scope="orders:admin"/);
    const done = await orders.DELETE(request('DELETE', '/orders/7', issuer.mint({ aud: RESOURCE, sub: 'ops', scope: 'orders:admin' })), context('7'));
    expect(done.status).toBe(204);
    expect(done.headers.get('x-deleted')).toBe('7 by ops');
  });

  it('a token for another audience is 401 invalid_token', async () => {
    const response = await orders.GET(request('GET', '/orders/1', issuer.mint({ aud: 'https://other.example.com' })), context('1'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('the metadata route file answers GET with the document, HEAD without a body, OPTIONS as a CORS preflight', async () => {
    const get = metadata.GET(request('GET', '/.well-known/oauth-protected-resource/orders'));
    expect(get.status).toBe(200);
    const document = (await get.json()) as { resource: string; authorization_servers: string[] };
    expect(document.resource).toBe(RESOURCE);
    expect(document.authorization_servers).toEqual([issuer.url]);
    const head = metadata.HEAD(request('HEAD', '/.well-known/oauth-protected-resource/orders'));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    const options = metadata.OPTIONS(request('OPTIONS', '/.well-known/oauth-protected-resource/orders'));
    expect(options.status).toBe(204);
    expect(options.headers.get('access-control-allow-origin')).toBe('*');
  });
});
