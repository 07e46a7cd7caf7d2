import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import portcullis, { resourceMetadataRoute } from '../src/index.js';
import { bearer, closeApps, newApp } from './helpers.js';

const RESOURCE = 'https://api.example.com/v1';
const PATH = '/.well-known/oauth-protected-resource/v1';
const URL_ = `https://api.example.com${PATH}`;

let issuer: FakeIssuer;
let verifier: Verifier;
beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, resourceMetadata: { resource: RESOURCE } });
});
afterEach(closeApps);
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

describe('RFC 9728 metadata with the Fastify plugin', () => {
  it('the plugin registers the public metadata route; challenges name it', async () => {
    const app = newApp();
    await app.register(portcullis, { verifier });
    app.get('/orders', () => ({ ok: true }));
    const metadata = await app.inject({ url: PATH, headers: bearer('garbage') });
    expect(metadata.statusCode).toBe(200);
    expect(metadata.json()).toMatchObject({ resource: RESOURCE });
    expect(metadata.headers['access-control-allow-origin']).toBe('*');
    expect((await app.inject({ url: `${PATH}?x=1`, method: 'HEAD' })).statusCode).toBe(200);
    expect((await app.inject({ url: PATH, method: 'OPTIONS' })).statusCode).toBe(204);
    expect((await app.inject({ url: PATH, method: 'POST', payload: { a: 1 } })).statusCode).toBe(405);
    const refused = await app.inject({ url: '/orders' });
    expect(refused.headers['www-authenticate']).toBe(`Bearer resource_metadata="${URL_}", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="${URL_}"`);
    expect((await app.inject({ url: '/orders', headers: bearer(issuer.mint({ aud: RESOURCE })) })).statusCode).toBe(200);
  });

  it('a nested registration with the same verifier shares the route instead of failing', async () => {
    const app = newApp();
    await app.register(portcullis, { verifier });
    await app.register(async (scope) => {
      await scope.register(portcullis, { verifier, optional: true });
      scope.get('/maybe', () => ({ ok: true }));
    });
    await app.ready();
    expect((await app.inject({ url: PATH })).statusCode).toBe(200);
  });

  it('resourceMetadataRoute serves the document in an app without the plugin', async () => {
    const app = newApp();
    app.route(resourceMetadataRoute({ resource: 'https://api.example.com', resourceName: 'Orders' }));
    const answer = await app.inject({ url: '/.well-known/oauth-protected-resource' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ resource: 'https://api.example.com', resource_name: 'Orders' });
  });
});
