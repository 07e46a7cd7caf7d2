/**
 * The same routes on every framework version under test. Each app is built the way that framework's
 * users would write it, from the public adapter API only.
 */
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import type { Verifier } from '@portcullis/core';
import * as portcullisExpress from '@portcullis/express';
import portcullisFastify from '@portcullis/fastify';
import * as portcullisKoa from '@portcullis/koa';
import express5 from 'express';
import express4 from 'express4';
import Fastify, { type FastifyInstance } from 'fastify';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { NEST_ADAPTERS } from './apps-nest.js';
import { honoAdapter, webAdapter } from './apps-web.js';
import { httpsOptions, serve } from './serve.js';
import { ROUTE_ANY_ROLE, ROUTE_CLAIMS, ROUTE_ROLES } from './table.js';

export interface AppOptions {
  verifier: Verifier;
  /** Requests without a credential pass with no auth. */
  optional: boolean;
  /** Serve over HTTPS, asking for (not requiring) a client certificate: for certificate-bound tokens. */
  tls?: AppTls | undefined;
}

/** The server side of an HTTPS app: its key and certificate, and the CA its clients' certificates chain to. */
export interface AppTls {
  key: string;
  cert: string;
  ca: string;
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export interface Adapter {
  name: string;
  /**
   * Served through a Fetch `Request` (the web and Hono adapters on Node's bridge): there is no TLS
   * socket to read a client certificate from, and the bridge itself refuses a `Host` that is no host.
   */
  fetch?: boolean | undefined;
  start(options: AppOptions): Promise<RunningApp>;
}

/** What a handler answers with: who called, so rows can check the token reached the handler. */
interface Echo {
  auth: boolean;
  subject?: string | undefined;
  scopes?: readonly string[] | undefined;
}

const echo = (auth: { subject: string | undefined; scopes: readonly string[] } | null | undefined): Echo =>
  auth ? { auth: true, subject: auth.subject, scopes: auth.scopes } : { auth: false };

function expressAdapter(name: string, express: typeof express5): Adapter {
  return {
    name,
    start({ verifier, optional, tls }) {
      const { requireAuth, requireScopes, requireAnyScope, requireRoles, requireAnyRole, requireClaims } = portcullisExpress;
      const app = express();
      app.get('/public', (_req, res) => {
        res.json({ public: true });
      });
      app.use(requireAuth(verifier, { optional }));
      app.get('/protected', (req, res) => {
        res.json(echo(req.auth));
      });
      app.post('/protected', express.json(), (req, res) => {
        res.json(echo(req.auth));
      });
      app.get('/read', requireScopes('orders:read'), (req, res) => {
        res.json(echo(req.auth));
      });
      // Another resource, which a target with dot segments would reach (`/files/%2e%2e/protected`).
      app.get('/files/:dir/:name', (req, res) => {
        res.json({ ...echo(req.auth), files: true });
      });
      app.get('/read-write', requireScopes('orders:read', 'orders:write'), (req, res) => {
        res.json(echo(req.auth));
      });
      app.get('/any', requireAnyScope('orders:write', 'orders:admin'), (req, res) => {
        res.json(echo(req.auth));
      });
      app.get('/roles', requireRoles(...ROUTE_ROLES), (req, res) => {
        res.json(echo(req.auth));
      });
      app.get('/any-role', requireAnyRole(...ROUTE_ANY_ROLE), (req, res) => {
        res.json(echo(req.auth));
      });
      app.get('/claims', requireClaims(ROUTE_CLAIMS), (req, res) => {
        res.json(echo(req.auth));
      });
      return serve(app, tls);
    },
  };
}

const fastifyAdapter: Adapter = {
  name: 'fastify 5',
  async start({ verifier, optional, tls }) {
    // An HTTPS instance has other server types; the routes are the same, so one type serves both.
    const app = (tls === undefined ? Fastify() : Fastify({ https: httpsOptions(tls) })) as unknown as FastifyInstance;
    await app.register(portcullisFastify, { verifier, optional });
    app.get('/public', { config: { auth: false } }, () => ({ public: true }));
    app.get('/protected', (request) => echo(request.auth));
    app.post('/protected', (request) => echo(request.auth));
    app.get('/read', { config: { auth: { scopes: ['orders:read'] } } }, (request) => echo(request.auth));
    app.get('/files/:dir/:name', (request) => ({ ...echo(request.auth), files: true }));
    app.get('/read-write', { config: { auth: { scopes: ['orders:read', 'orders:write'] } } }, (request) => echo(request.auth));
    app.get('/any', { config: { auth: { anyScope: ['orders:write', 'orders:admin'] } } }, (request) => echo(request.auth));
    app.get('/roles', { config: { auth: { roles: ROUTE_ROLES } } }, (request) => echo(request.auth));
    app.get('/any-role', { config: { auth: { anyRole: ROUTE_ANY_ROLE } } }, (request) => echo(request.auth));
    app.get('/claims', { config: { auth: { claims: ROUTE_CLAIMS } } }, (request) => echo(request.auth));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as AddressInfo;
    return { url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${address.port}`, close: () => app.close() };
  },
};

function koaAdapter(name: string, KoaClass: typeof Koa3): Adapter {
  return {
    name,
    start({ verifier, optional, tls }) {
      const { requireAuth, requireScopes, requireAnyScope, requireRoles, requireAnyRole, requireClaims } = portcullisKoa;
      const app = new KoaClass();
      const open = new Router();
      open.get('/public', (ctx) => {
        ctx.body = { public: true };
      });
      const api = new Router();
      api.use(requireAuth(verifier, { optional }));
      api.get('/protected', (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      api.post('/protected', (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      api.get('/read', requireScopes('orders:read'), (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      api.get('/files/:dir/:name', (ctx) => {
        ctx.body = { ...echo(ctx.state.auth), files: true };
      });
      api.get('/read-write', requireScopes('orders:read', 'orders:write'), (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      api.get('/any', requireAnyScope('orders:write', 'orders:admin'), (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      api.get('/roles', requireRoles(...ROUTE_ROLES), (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      api.get('/any-role', requireAnyRole(...ROUTE_ANY_ROLE), (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      api.get('/claims', requireClaims(ROUTE_CLAIMS), (ctx) => {
        ctx.body = echo(ctx.state.auth);
      });
      // requireAuth sits on a router here, which sees only its own routes: the metadata is mounted app-wide.
      if (verifier.resourceMetadata !== undefined) app.use(portcullisKoa.resourceMetadataHandler(verifier));
      app.use(open.routes()).use(api.routes());
      const handle = app.callback();
      return serve((req, res) => void handle(req, res), tls);
    },
  };
}

export const ADAPTERS: readonly Adapter[] = [
  expressAdapter('express 5', express5),
  expressAdapter('express 4', express4),
  fastifyAdapter,
  koaAdapter('koa 3', Koa3),
  koaAdapter('koa 2', Koa2),
  ...NEST_ADAPTERS,
  webAdapter,
  honoAdapter,
];
