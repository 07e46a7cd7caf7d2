/**
 * One small app per framework, each with the same two routes, so that one scenario table runs against
 * every adapter over real HTTP on 127.0.0.1:
 *
 * - `GET /protected`: any valid token; answers `{ sub }`.
 * - `GET /scoped`: a valid token with the `read` scope.
 *
 * Every app is given an existing verifier (so the test owns its clock, events and stats) and must
 * answer an unexpected error with a 500, so that a leak past the adapter is visible as such.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import express, { type NextFunction, type Request, type Response } from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { describeRequest, errorResponse, isAuthError, type Verifier } from '@portcullis/core';
import { requireAuth as expressRequireAuth, requireScopes as expressRequireScopes } from '@portcullis/express';
import portcullis from '@portcullis/fastify';
import { requireAuth as koaRequireAuth, requireScopes as koaRequireScopes } from '@portcullis/koa';

export interface RunningApp {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

export interface AdapterUnderTest {
  readonly name: string;
  start(verifier: Verifier): Promise<RunningApp>;
}

/** Listens on an ephemeral loopback port; `close` also drops keep-alive sockets. */
export async function listen(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The reference: core alone behind `node:http`, the way DESIGN.md says an adapter is built. When an
 * adapter fails a scenario, running the same scenario here tells core's doing from the adapter's.
 */
export const nodeHttp: AdapterUnderTest = {
  name: 'node:http (core only)',
  start: (verifier) =>
    listen(
      createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path !== '/protected' && path !== '/scoped') return sendJson(res, 404, { error: 'not_found' });
        verifier
          .verify(describeRequest(req))
          .then((auth) => {
            if (path === '/scoped') verifier.checkScopes(auth, { allOf: ['read'] });
            sendJson(res, 200, { sub: auth.subject });
          })
          .catch((error: unknown) => {
            if (!isAuthError(error)) return sendJson(res, 500, { error: 'internal' });
            const { status, headers, body } = errorResponse(error);
            sendJson(res, status, body, headers);
          });
      }),
    ),
};

/** Express 5 with `@portcullis/express`. */
export const expressAdapter: AdapterUnderTest = {
  name: 'Express 5',
  start: (verifier) => {
    const app = express();
    const auth = expressRequireAuth(verifier);
    app.get('/protected', auth, (req, res) => {
      res.json({ sub: req.auth?.subject });
    });
    app.get('/scoped', auth, expressRequireScopes('read'), (req, res) => {
      res.json({ sub: req.auth?.subject });
    });
    // Anything that reaches here escaped the adapter: make it a visible 500.
    app.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: 'internal' });
    });
    return listen(createServer(app));
  },
};

/** Fastify 5 with the `@portcullis/fastify` plugin, over a real socket (not `inject`). */
export const fastifyAdapter: AdapterUnderTest = {
  name: 'Fastify 5',
  start: async (verifier) => {
    const app = Fastify({ logger: false });
    await app.register(portcullis, { verifier });
    app.get('/protected', (request, reply) => reply.send({ sub: request.auth?.subject }));
    app.get('/scoped', { config: { auth: { scopes: ['read'] } } }, (request, reply) => reply.send({ sub: request.auth?.subject }));
    // Anything that reaches here escaped the plugin: make it a visible 500 (Fastify's default is too).
    app.setErrorHandler(async (_error, _request, reply) => reply.code(500).send({ error: 'internal' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: async () => {
        app.server.closeAllConnections();
        await app.close();
      },
    };
  },
};

/** Koa 3 with `@portcullis/koa` and `@koa/router`. */
export const koaAdapter: AdapterUnderTest = {
  name: 'Koa 3',
  start: (verifier) => {
    const app = new Koa();
    // Anything thrown past the adapter: a visible 500, and no stack trace on stderr.
    app.silent = true;
    const router = new Router();
    const auth = koaRequireAuth(verifier);
    router.get('/protected', auth, (ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject };
    });
    router.get('/scoped', auth, koaRequireScopes('read'), (ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject };
    });
    app.use(router.routes());
    const handle = app.callback();
    return listen(createServer((req, res) => void handle(req, res)));
  },
};

/** The framework adapters: the fault table (one test file each) and the adapter fuzzing run against these. */
export const ADAPTERS: readonly AdapterUnderTest[] = [expressAdapter, fastifyAdapter, koaAdapter];
