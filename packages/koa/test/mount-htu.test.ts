// A DPoP proof names the URL the client called (RFC 9449 §4.3): under koa-mount or a sub-app that
// rewrites ctx.url, that is ctx.originalUrl, not the rewritten ctx.url the sub-app sees.
import Router from '@koa/router';
import { createVerifier, type Verifier } from '@portcullis/core';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import type Koa3 from 'koa';
import mount from 'koa-mount';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuth } from '../src/index.js';
import { KOA_VERSIONS, listen, send, type Answer, type Running } from './helpers.js';

let issuer: FakeIssuer;
let verifier: Verifier;
let key: DpopKey;
const running: Running[] = [];

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
  key = createDpopKey();
});
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
  verifier.close();
  await issuer.close();
});

/** GET `path` with a bound token and a proof whose htu is `htuPath` on the same origin. */
function dpopGet(url: string, path: string, htuPath: string): Promise<Answer> {
  const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: key, lifetime: 600 });
  const proof = createDpopProof({ key, htm: 'GET', htu: `${url}${htuPath}`, accessToken: token });
  return send(`${url}${path}`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
}

function ordersRouter(options?: ConstructorParameters<typeof Router>[0]): Router {
  const router = new Router(options);
  router.use(requireAuth(verifier));
  router.get('/orders', (ctx) => {
    ctx.body = { client: ctx.state.auth?.clientId };
  });
  return router;
}

describe.each(KOA_VERSIONS)('%s: htu is checked against the URL the client called', (_name, Koa) => {
  async function start(build: (app: Koa3) => void): Promise<string> {
    const app = new Koa();
    build(app);
    const r = await listen(app);
    running.push(r);
    return r.url;
  }

  it('under koa-mount: a proof for /api/orders passes at /api/orders', async () => {
    const sub = new Koa();
    sub.use(ordersRouter().routes());
    const url = await start((app) => app.use(mount('/api', sub)));
    expect((await dpopGet(url, '/api/orders', '/api/orders')).status).toBe(200);
  });

  it('under koa-mount: a proof for the unprefixed /orders is refused at /api/orders', async () => {
    const sub = new Koa();
    sub.use(ordersRouter().routes());
    const url = await start((app) => app.use(mount('/api', sub)));
    const answer = await dpopGet(url, '/api/orders', '/orders');
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('a middleware that rewrites ctx.url: the proof names the URL before the rewrite', async () => {
    const url = await start((app) => {
      app.use(async (ctx, next) => {
        if (ctx.path.startsWith('/legacy/')) ctx.url = ctx.url.slice('/legacy'.length);
        await next();
      });
      app.use(ordersRouter().routes());
    });
    expect((await dpopGet(url, '/legacy/orders', '/legacy/orders')).status).toBe(200);
    expect((await dpopGet(url, '/legacy/orders', '/orders')).status).toBe(401);
  });

  it('@koa/router with a prefix, and nested under another router: the full path is the htu', async () => {
    const url = await start((app) => {
      app.use(ordersRouter({ prefix: '/v1' }).routes());
      const parent = new Router();
      parent.use('/v2', ordersRouter().routes());
      app.use(parent.routes());
    });
    expect((await dpopGet(url, '/v1/orders', '/v1/orders')).status).toBe(200);
    expect((await dpopGet(url, '/v1/orders', '/orders')).status).toBe(401);
    expect((await dpopGet(url, '/v2/orders', '/v2/orders')).status).toBe(200);
    expect((await dpopGet(url, '/v2/orders', '/orders')).status).toBe(401);
  });
});
