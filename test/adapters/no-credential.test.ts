/**
 * One value for "no token" in every adapter: `undefined`, at run time and in the types, in optional
 * mode without a credential, on a public Fastify route, and outside the Fastify plugin's scope.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import Router from '@koa/router';
import { createVerifier, type AccessToken, type Verifier } from '@portcullis/core';
import * as portcullisExpress from '@portcullis/express';
import portcullisFastify from '@portcullis/fastify';
import * as portcullisKoa from '@portcullis/koa';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import express from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import Koa from 'koa';

/** What a handler saw: the type of the value, and whether the property exists at all. */
interface Seen {
  type: string;
  present: boolean;
  subject?: string | undefined;
}
const seen = (holder: object, value: AccessToken | undefined): Seen => ({
  type: value === null ? 'null' : typeof value,
  present: 'auth' in holder,
  ...(value === undefined ? {} : { subject: value.subject }),
});

let issuer: FakeIssuer;
let verifier: Verifier;
const servers: Server[] = [];
const closers: (() => Promise<unknown>)[] = [];

async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string, token?: string): Promise<{ status: number; body: Seen }> {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Seen };
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.all(closers.map((close) => close()));
  verifier.close();
  await issuer.close();
});

describe('optional mode without a credential: auth is undefined in every adapter', () => {
  it('Express: req.auth is undefined, and set once a token is sent', async () => {
    const app = express();
    app.get('/me', portcullisExpress.requireAuth(verifier, { optional: true }), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<AccessToken | undefined>();
      res.json(seen(req, req.auth));
    });
    const url = await serve(app);
    expect(await get(`${url}/me`)).toEqual({ status: 200, body: { type: 'undefined', present: true } });
    expect((await get(`${url}/me`, issuer.mint())).body).toMatchObject({ type: 'object', subject: 'client-123' });
  });

  it('Fastify: request.auth is undefined, as on a public route and outside the plugin\'s scope', async () => {
    const app = Fastify();
    closers.push(() => app.close());
    app.get('/outside', (request) => seen(request, request.auth));
    await app.register(async (child) => {
      await child.register(portcullisFastify, { verifier, optional: true });
      child.get('/me', (request) => {
        expectTypeOf(request.auth).toEqualTypeOf<AccessToken | undefined>();
        return seen(request, request.auth);
      });
      child.get('/public', { config: { auth: false } }, (request) => seen(request, request.auth));
    });
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<AccessToken | undefined>();
    const url = await serve((req, res) => app.routing(req, res));
    await app.ready();
    expect(await get(`${url}/me`)).toEqual({ status: 200, body: { type: 'undefined', present: true } });
    expect(await get(`${url}/public`, issuer.mint())).toEqual({ status: 200, body: { type: 'undefined', present: true } });
    // Not decorated outside the scope: the property is absent and reads as undefined, as typed.
    expect(await get(`${url}/outside`)).toEqual({ status: 200, body: { type: 'undefined', present: false } });
    expect((await get(`${url}/me`, issuer.mint())).body).toMatchObject({ type: 'object', subject: 'client-123' });
  });

  it('Koa: ctx.state.auth is undefined, and set once a token is sent', async () => {
    const app = new Koa();
    const router = new Router();
    router.get('/me', portcullisKoa.requireAuth(verifier, { optional: true }), (ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AccessToken | undefined>();
      ctx.body = seen(ctx.state, ctx.state.auth);
    });
    app.use(router.routes());
    const handle = app.callback();
    const url = await serve((req, res) => void handle(req, res));
    expect(await get(`${url}/me`)).toEqual({ status: 200, body: { type: 'undefined', present: true } });
    expect((await get(`${url}/me`, issuer.mint())).body).toMatchObject({ type: 'object', subject: 'client-123' });
  });
});

describe('createVerifier and the error classes are re-exported by every adapter', () => {
  const REEXPORTED = [
    'createVerifier', 'AuthError', 'InvalidRequestError', 'InvalidTokenError', 'CredentialsRequiredError', 'InsufficientScopeError',
    'KeysUnavailableError', 'IntrospectionUnavailableError', 'InvalidDpopProofError', 'UseDpopNonceError',
    'ReplayStoreUnavailableError', 'isAuthError', 'createResourceMetadata',
  ] as const;

  it('the same values from core, Express, Fastify, Koa and NestJS', async () => {
    const core = await import('@portcullis/core');
    const adapters: Record<string, Record<string, unknown>> = {
      express: portcullisExpress,
      fastify: await import('@portcullis/fastify'),
      koa: portcullisKoa,
      nestjs: await import('@portcullis/nestjs'),
    };
    expect(core.createVerifier).toBe(createVerifier);
    for (const [name, adapter] of Object.entries(adapters)) {
      for (const member of REEXPORTED) expect(adapter[member], `${name}.${member}`).toBe(core[member]);
    }
  });
});
