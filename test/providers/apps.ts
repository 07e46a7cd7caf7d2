/**
 * One protected API per adapter, configured from a provider preset: `/protected` echoes who called,
 * `/scoped`, `/role` and `/claims` each require one thing, the way that framework's users write it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { Controller, Get, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AccessToken, ClaimRequirement, Verifier } from '@portcullis/core';
import * as pExpress from '@portcullis/express';
import portcullisFastify from '@portcullis/fastify';
import * as pKoa from '@portcullis/koa';
import { getAccessToken, requireMcpAuth, type McpMiddleware } from '@portcullis/mcp';
import { Auth, PortcullisModule, Roles, RequireClaims, Scopes } from '@portcullis/nestjs';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

/** What the routes require. */
export interface RouteNeeds {
  scope: string;
  role: string;
  claims: ClaimRequirement;
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export interface MatrixAdapter {
  name: string;
  start(verifier: Verifier, needs: RouteNeeds): Promise<RunningApp>;
}

/** Who called, as the handler sees it. */
export interface Echo {
  clientId: string | null;
  scopes: readonly string[];
  roles: readonly string[];
  subject: string | null;
}

const echo = (auth: AccessToken | undefined | null): Echo | { auth: false } =>
  auth ? { clientId: auth.clientId ?? null, scopes: auth.scopes, roles: auth.roles, subject: auth.subject ?? null } : { auth: false };

async function listen(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const expressAdapter: MatrixAdapter = {
  name: 'express',
  start(verifier, needs) {
    const { requireAuth, requireScopes, requireRoles, requireClaims } = pExpress;
    const app = express();
    app.use(requireAuth(verifier));
    app.get('/protected', (req, res) => void res.json(echo(req.auth)));
    app.get('/scoped', requireScopes(needs.scope), (req, res) => void res.json(echo(req.auth)));
    app.get('/role', requireRoles(needs.role), (req, res) => void res.json(echo(req.auth)));
    app.get('/claims', requireClaims(needs.claims), (req, res) => void res.json(echo(req.auth)));
    return listen(createServer(app));
  },
};

const fastifyAdapter: MatrixAdapter = {
  name: 'fastify',
  async start(verifier, needs) {
    const app = Fastify();
    await app.register(portcullisFastify, { verifier });
    app.get('/protected', (request) => echo(request.auth));
    app.get('/scoped', { config: { auth: { scopes: [needs.scope] } } }, (request) => echo(request.auth));
    app.get('/role', { config: { auth: { roles: [needs.role] } } }, (request) => echo(request.auth));
    app.get('/claims', { config: { auth: { claims: needs.claims } } }, (request) => echo(request.auth));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
};

const koaAdapter: MatrixAdapter = {
  name: 'koa',
  start(verifier, needs) {
    const { requireAuth, requireScopes, requireRoles, requireClaims } = pKoa;
    const app = new Koa();
    const router = new Router();
    router.get('/protected', (ctx) => void (ctx.body = echo(ctx.state.auth)));
    router.get('/scoped', requireScopes(needs.scope), (ctx) => void (ctx.body = echo(ctx.state.auth)));
    router.get('/role', requireRoles(needs.role), (ctx) => void (ctx.body = echo(ctx.state.auth)));
    router.get('/claims', requireClaims(needs.claims), (ctx) => void (ctx.body = echo(ctx.state.auth)));
    app.use(requireAuth(verifier)).use(router.routes());
    const handle = app.callback();
    return listen(createServer((req, res) => void handle(req, res)));
  },
};

function nestModule(verifier: Verifier, needs: RouteNeeds): Type {
  @Controller()
  class ProviderController {
    @Get('protected')
    open(@Auth() auth: AccessToken) {
      return echo(auth);
    }

    @Get('scoped')
    @Scopes(needs.scope)
    scoped(@Auth() auth: AccessToken) {
      return echo(auth);
    }

    @Get('role')
    @Roles(needs.role)
    role(@Auth() auth: AccessToken) {
      return echo(auth);
    }

    @Get('claims')
    @RequireClaims(needs.claims)
    claims(@Auth() auth: AccessToken) {
      return echo(auth);
    }
  }
  @Module({ imports: [PortcullisModule.forRoot({ verifier })], controllers: [ProviderController] })
  class ProviderModule {}
  return ProviderModule;
}

function nestAdapter(platform: 'express' | 'fastify'): MatrixAdapter {
  return {
    name: `nest (platform-${platform})`,
    async start(verifier, needs) {
      const options = { logger: false, abortOnError: false } as const;
      const app =
        platform === 'express'
          ? await NestFactory.create(nestModule(verifier, needs), options)
          : await NestFactory.create(nestModule(verifier, needs), new FastifyAdapter(), options);
      await app.listen(0, '127.0.0.1');
      const server = app.getHttpServer() as Server;
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: async () => {
          server.closeAllConnections();
          await app.close();
        },
      };
    },
  };
}

/**
 * MCP: each route is its own `requireMcpAuth` with what it requires (the verifier has resource metadata),
 * on Node's own server: `requireMcpAuth` is (req, res, next) middleware for any Node framework.
 */
const mcpAdapter: MatrixAdapter = {
  name: 'mcp',
  start(verifier, needs) {
    const routes = new Map<string, McpMiddleware>([
      ['/protected', requireMcpAuth(verifier)],
      ['/scoped', requireMcpAuth(verifier, { scopes: [needs.scope] })],
      ['/role', requireMcpAuth(verifier, { requiredRoles: [needs.role] })],
      ['/claims', requireMcpAuth(verifier, { claims: needs.claims })],
    ]);
    return listen(
      createServer((req, res) => {
        const guard = routes.get(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
        if (guard === undefined) {
          res.writeHead(404).end();
          return;
        }
        guard(req, res, (error?: unknown) => {
          res.writeHead(error === undefined ? 200 : 500, { 'content-type': 'application/json' });
          res.end(error === undefined ? JSON.stringify(echo(getAccessToken(req))) : '{}');
        });
      }),
    );
  },
};

export const MATRIX_ADAPTERS: readonly MatrixAdapter[] = [
  expressAdapter,
  fastifyAdapter,
  koaAdapter,
  nestAdapter('express'),
  nestAdapter('fastify'),
  mcpAdapter,
];
