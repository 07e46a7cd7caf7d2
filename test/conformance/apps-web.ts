/**
 * The conformance routes on the two Fetch-standard adapters, served on Node the way their users serve
 * them there: through `@hono/node-server`'s bridge from `node:http` to `Request`/`Response`. The web app
 * is one `fetch(request)` function that routes by path, as a Bun.serve, Deno.serve or Worker app is; the
 * Hono app is an ordinary Hono app.
 */
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import * as portcullisHono from '@portcullis/hono';
import * as portcullisWeb from '@portcullis/web';
import type { AccessToken } from '@portcullis/core';
import type { Adapter } from './apps.js';
import { serve } from './serve.js';
import { ROUTE_ANY_ROLE, ROUTE_CLAIMS, ROUTE_ROLES } from './table.js';

const echo = (auth: AccessToken | undefined) =>
  auth ? { auth: true, subject: auth.subject, scopes: auth.scopes } : { auth: false };

export const webAdapter: Adapter = {
  name: 'web (node-server)',
  fetch: true,
  start({ verifier, optional, tls }) {
    const { withAuth } = portcullisWeb;
    const answer = (_request: Request, auth: AccessToken | undefined) => Response.json(echo(auth));
    const routes = new Map<string, (request: Request) => Promise<Response>>([
      ['GET /protected', withAuth(verifier, answer, { optional })],
      [
        'POST /protected',
        withAuth(verifier, async (request: Request, auth: AccessToken | undefined) => {
          await request.json();
          return Response.json(echo(auth));
        }, { optional }),
      ],
      ['GET /read', withAuth(verifier, answer, { optional, scopes: ['orders:read'] })],
      ['GET /read-write', withAuth(verifier, answer, { optional, scopes: ['orders:read', 'orders:write'] })],
      ['GET /any', withAuth(verifier, answer, { optional, anyScope: ['orders:write', 'orders:admin'] })],
      ['GET /roles', withAuth(verifier, answer, { optional, roles: ROUTE_ROLES })],
      ['GET /any-role', withAuth(verifier, answer, { optional, anyRole: ROUTE_ANY_ROLE })],
      ['GET /claims', withAuth(verifier, answer, { optional, claims: ROUTE_CLAIMS })],
    ]);
    // Another resource, which a target with dot segments would reach on Node's own servers.
    const files = withAuth(verifier, (_request: Request, auth: AccessToken | undefined) => Response.json({ ...echo(auth), files: true }), { optional });
    // Like an app-wide middleware: every other path is behind the token too (and the metadata is served).
    const notFound = withAuth(verifier, () => new Response('not found', { status: 404 }), { optional });
    const fetch = (request: Request): Promise<Response> | Response => {
      const { pathname } = new URL(request.url);
      if (pathname === '/public') return Response.json({ public: true });
      const route = routes.get(`${request.method} ${pathname}`) ?? (request.method === 'GET' && /^\/files\/[^/]+\/[^/]+$/.test(pathname) ? files : notFound);
      return route(request);
    };
    const listener = getRequestListener(fetch);
    return serve((req, res) => void listener(req, res), tls);
  },
};

export const honoAdapter: Adapter = {
  name: 'hono 4 (node-server)',
  fetch: true,
  start({ verifier, optional, tls }) {
    const { requireAuth, requireScopes, requireAnyScope, requireRoles, requireAnyRole, requireClaims } = portcullisHono;
    const app = new Hono();
    app.get('/public', (c) => c.json({ public: true }));
    const api = new Hono<portcullisHono.OptionalAuthEnv>();
    api.use(requireAuth(verifier, { optional }));
    api.get('/protected', (c) => c.json(echo(c.var.auth)));
    api.post('/protected', async (c) => {
      await c.req.json();
      return c.json(echo(c.get('auth')));
    });
    api.get('/read', requireScopes('orders:read'), (c) => c.json(echo(c.var.auth)));
    api.get('/files/:dir/:name', (c) => c.json({ ...echo(c.var.auth), files: true }));
    api.get('/read-write', requireScopes('orders:read', 'orders:write'), (c) => c.json(echo(c.var.auth)));
    api.get('/any', requireAnyScope('orders:write', 'orders:admin'), (c) => c.json(echo(c.var.auth)));
    api.get('/roles', requireRoles(...ROUTE_ROLES), (c) => c.json(echo(c.var.auth)));
    api.get('/any-role', requireAnyRole(...ROUTE_ANY_ROLE), (c) => c.json(echo(c.var.auth)));
    api.get('/claims', requireClaims(ROUTE_CLAIMS), (c) => c.json(echo(c.var.auth)));
    app.route('/', api);
    const listener = getRequestListener(app.fetch);
    return serve((req, res) => void listener(req, res), tls);
  },
};
