/**
 * The conformance routes as a Nest app, on both Nest platforms, built from `@portcullis/nestjs`'s
 * public API the way a Nest user writes it: the module installs the guard for every route, and the
 * decorators say what each route requires.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, HttpCode, Module, Post, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AnyRole, AnyScope, Auth, PortcullisModule, Public, RequireClaims, Roles, Scopes, type AccessToken } from '@portcullis/nestjs';
import type { Adapter, AppOptions, AppTls, RunningApp } from './apps.js';
import { ROUTE_ANY_ROLE, ROUTE_CLAIMS, ROUTE_ROLES } from './table.js';

const echo = (auth: AccessToken | undefined) =>
  auth ? { auth: true, subject: auth.subject, scopes: auth.scopes } : { auth: false };

@Controller()
class ConformanceController {
  @Get('public')
  @Public()
  open() {
    return { public: true };
  }

  @Get('protected')
  read(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Post('protected')
  @HttpCode(200)
  create(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Get('files/:dir/:name')
  files(@Auth() auth: AccessToken | undefined) {
    return { ...echo(auth), files: true };
  }

  @Get('read')
  @Scopes('orders:read')
  scoped(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Get('read-write')
  @Scopes('orders:read', 'orders:write')
  scopedBoth(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Get('any')
  @AnyScope('orders:write', 'orders:admin')
  scopedAny(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Get('roles')
  @Roles(...ROUTE_ROLES)
  roles(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Get('any-role')
  @AnyRole(...ROUTE_ANY_ROLE)
  anyRole(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Get('claims')
  @RequireClaims(ROUTE_CLAIMS)
  claims(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }
}

function appModule({ verifier, optional }: AppOptions): Type {
  @Module({ imports: [PortcullisModule.forRoot({ verifier, optional })], controllers: [ConformanceController] })
  class ConformanceModule {}
  return ConformanceModule;
}

async function serve(app: INestApplication, tls: AppTls | undefined): Promise<RunningApp> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await app.close();
    },
  };
}

const nestOptions = { logger: false, abortOnError: false } as const;
// Client certificates are asked for and judged by core (RFC 8705 §3), not by the TLS layer.
const httpsOptions = (tls: AppTls) => ({ ...tls, requestCert: true, rejectUnauthorized: false });

export const NEST_ADAPTERS: readonly Adapter[] = [
  {
    name: 'nest 12 (platform-express)',
    start: async (options) =>
      serve(
        await NestFactory.create(appModule(options), { ...nestOptions, ...(options.tls === undefined ? {} : { httpsOptions: httpsOptions(options.tls) }) }),
        options.tls,
      ),
  },
  {
    name: 'nest 12 (platform-fastify)',
    start: async (options) =>
      serve(
        await NestFactory.create(
          appModule(options),
          new FastifyAdapter(options.tls === undefined ? {} : { https: httpsOptions(options.tls) }),
          nestOptions,
        ),
        options.tls,
      ),
  },
];
