import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Router from '@koa/router';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { requireAuth, resourceMetadataHandler } from '../src/index.js';
import { KOA_VERSIONS, bearer, listen, send, type Running } from './helpers.js';

const RESOURCE = 'https://api.example.com/v1';
const PATH = '/.well-known/oauth-protected-resource/v1';
const URL_ = `https://api.example.com${PATH}`;

let issuer: FakeIssuer;
let verifier: Verifier;
const running: Running[] = [];
beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, resourceMetadata: { resource: RESOURCE, cacheMaxAge: 60 } });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

describe.each(KOA_VERSIONS)('RFC 9728 metadata on %s', (_name, Koa) => {
  it('requireAuth app-wide answers the well-known path without a token: JSON, cacheable, any origin', async () => {
    const app = new Koa();
    app.use(requireAuth(verifier));
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    const server = await listen(app);
    running.push(server);
    const metadata = await send(`${server.url}${PATH}`);
    expect(metadata.status).toBe(200);
    expect(metadata.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(metadata.headers['cache-control']).toBe('public, max-age=60');
    expect(metadata.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(metadata.body)).toEqual({ resource: RESOURCE, authorization_servers: [issuer.url], bearer_methods_supported: ['header'] });
    const preflight = await send(`${server.url}${PATH}`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.body).toBe('');
    expect((await send(`${server.url}/orders`)).headers['www-authenticate']).toBe(`Bearer resource_metadata="${URL_}", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="${URL_}"`);
  });

  it("errors: 'pass' throws an AuthError whose headers (rendered by Koa) carry resource_metadata", async () => {
    const app = new Koa();
    app.use(resourceMetadataHandler(verifier));
    const router = new Router();
    router.use(requireAuth(verifier, { errors: 'pass' }));
    router.get('/orders', (ctx) => {
      ctx.body = { ok: true };
    });
    app.use(router.routes());
    const server = await listen(app);
    running.push(server);
    expect((await send(`${server.url}${PATH}`)).status).toBe(200);
    const refused = await send(`${server.url}/orders`, { authorization: bearer(issuer.mint({}, { lifetime: -60 })) });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(new RegExp(`error="invalid_token".*resource_metadata="${URL_}"$`));
    expect((await send(`${server.url}/orders`, { authorization: bearer(issuer.mint({ aud: RESOURCE })) })).status).toBe(200);
  });
});
