// Where requireAuth is mounted decides what an unmatched path answers; the README documents both.
import Router from '@koa/router';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuth } from '../src/index.js';
import { bearer, listen, send, type Running } from './helpers.js';

let issuer: FakeIssuer;
let verifier: Verifier;
const running: Running[] = [];

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
});
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
  verifier.close();
  await issuer.close();
});

async function start(mount: 'app' | 'router'): Promise<string> {
  const app = new Koa();
  const router = new Router();
  if (mount === 'app') app.use(requireAuth(verifier));
  else router.use(requireAuth(verifier));
  router.get('/orders', (ctx) => {
    ctx.body = { client: ctx.state.auth?.clientId };
  });
  app.use(router.routes());
  const r = await listen(app);
  running.push(r);
  return r.url;
}

describe('mounting requireAuth', () => {
  it('app.use(requireAuth): 401 before 404 on every path, as in Express and Fastify', async () => {
    const url = await start('app');
    expect((await send(`${url}/nowhere`)).status).toBe(401);
    expect((await send(`${url}/nowhere`, { authorization: bearer(issuer.mint()) })).status).toBe(404);
    expect((await send(`${url}/orders`)).status).toBe(401);
  });

  it('router.use(requireAuth): runs only for paths the router matches, so an unmatched path is a 404 without a token', async () => {
    const url = await start('router');
    expect((await send(`${url}/nowhere`)).status).toBe(404);
    expect((await send(`${url}/orders`)).status).toBe(401);
    expect((await send(`${url}/orders`, { authorization: bearer(issuer.mint()) })).status).toBe(200);
  });
});
