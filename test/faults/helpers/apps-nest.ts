/**
 * The fault table's two routes as a Nest app (platform-express, Nest's default) with
 * `@portcullis/nestjs`; see apps.ts for what every app under test must do.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Verifier } from '@portcullis/core';
import { Auth, PortcullisModule, Scopes, type AccessToken } from '@portcullis/nestjs';
import type { AdapterUnderTest } from './apps.js';

@Controller()
class FaultController {
  @Get('protected')
  protectedRoute(@Auth() auth: AccessToken) {
    return { sub: auth.subject };
  }

  @Get('scoped')
  @Scopes('read')
  scopedRoute(@Auth() auth: AccessToken) {
    return { sub: auth.subject };
  }
}

function faultModule(verifier: Verifier) {
  @Module({ imports: [PortcullisModule.forRoot(verifier)], controllers: [FaultController] })
  class FaultModule {}
  return FaultModule;
}

/** Nest 12 on platform-express; anything escaping the guard gets Nest's own 500. */
export const nestAdapter: AdapterUnderTest = {
  name: 'Nest 12 (platform-express)',
  start: async (verifier) => {
    const app = await NestFactory.create(faultModule(verifier), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as Server;
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: async () => {
        server.closeAllConnections();
        await app.close();
      },
    };
  },
};
