/**
 * RFC 9728 through the module: with a verifier that has `resourceMetadata`, the app answers the
 * well-known path itself (no controller declares it) on both platforms, without a token, and every
 * refusal names the document. Also a DPoP-bound token through the guard.
 */
import { All, Controller, Module, type Type } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { createDpopKey, createDpopProof, startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { PortcullisModule, type PortcullisModuleOptions } from '../src/index.js';
import { GuardedController, MeController } from './controllers.js';
import { PLATFORMS, bearer, send, startApp, type RunningApp } from './helpers.js';

const RESOURCE = 'https://api.example.com/orders';
const PATH = '/.well-known/oauth-protected-resource/orders';
const RESOURCE_METADATA = `resource_metadata="https://api.example.com${PATH}"`;

let issuer: FakeIssuer;
let verifier: Verifier;
beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({
    issuer: issuer.url,
    jwksUri: issuer.jwksUri,
    resourceMetadata: { resource: RESOURCE, scopesSupported: ['orders:read'] },
  });
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

/** Answers every path and method, to show that the metadata is answered before any route. */
@Controller()
class CatchAllController {
  @All('*')
  any() {
    return { caughtBy: 'controller' };
  }
}

function appModule(options: Omit<PortcullisModuleOptions, 'verifier'> = {}, controllers: Type[] = [MeController], with_ = verifier): Type {
  @Module({ imports: [PortcullisModule.forRoot({ verifier: with_, ...options } as PortcullisModuleOptions)], controllers })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('RFC 9728 metadata on $name', (platform) => {
  const running: RunningApp[] = [];
  const start = async (module: Type, configure?: Parameters<typeof startApp>[2]) => {
    const app = await startApp(platform, module, configure);
    running.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  const document = () => ({ resource: RESOURCE, authorization_servers: [issuer.url], scopes_supported: ['orders:read'], bearer_methods_supported: ['header'] });

  it('GET on the well-known path serves the document without a token: JSON, cacheable, any origin, its length', async () => {
    const { url } = await start(appModule());
    const answer = await send(url, { path: PATH });
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('public, max-age=3600');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(answer.body)).toEqual(document());
  });

  it('a garbage token and a query string do not stop the document', async () => {
    const { url } = await start(appModule());
    const answer = await send(url, { path: `${PATH}?x=1`, headers: bearer('garbage') });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(document());
  });

  it('HEAD on the well-known path: 200 with the document length and no body', async () => {
    const { url } = await start(appModule());
    const answer = await send(url, { method: 'HEAD', path: PATH });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(answer.headers['content-length'])).toBe(JSON.stringify(verifier.resourceMetadata!.document).length);
  });

  it('the CORS preflight of the well-known path: 204 allowing GET, HEAD and OPTIONS from any origin', async () => {
    const { url } = await start(appModule());
    const answer = await send(url, {
      method: 'OPTIONS',
      path: PATH,
      headers: { Origin: 'https://client.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'mcp-protocol-version' },
    });
    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    expect(answer.headers['access-control-allow-headers']).toBe('*');
    expect(answer.headers['access-control-max-age']).toBe('86400');
  });

  it('POST on the well-known path (with a JSON body) is 405 with Allow, not a token check', async () => {
    const { url } = await start(appModule());
    const answer = await send(url, { method: 'POST', path: PATH, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    expect(answer.status, answer.body).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'method_not_allowed' });
  });

  it('a refusal on a protected route names the document: 401 with resource_metadata in every scheme', async () => {
    const { url } = await start(appModule());
    const answer = await send(url, { path: '/me' });
    expect(answer.status).toBe(401);
    const challenge = String(answer.headers['www-authenticate']);
    expect(challenge).toMatch(/^Bearer resource_metadata="[^"]+", DPoP /);
    // Once in the Bearer challenge, once in the DPoP one.
    expect(challenge.split(RESOURCE_METADATA)).toHaveLength(3);
    const wrongAudience = await send(url, { path: '/me', headers: bearer(issuer.mint({ aud: 'https://elsewhere.example' })) });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers['www-authenticate']).toMatch(new RegExp(`error="invalid_token".*, ${RESOURCE_METADATA.replace(/[./]/g, '\\$&')}$`));
  });

  it('a token for the resource reaches the handler', async () => {
    const { url } = await start(appModule());
    const answer = await send(url, { path: '/me', headers: bearer(issuer.mint({ aud: RESOURCE })) });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ authenticated: true });
  });

  it('with global: false the document is still served, and @UseGuards routes still refuse', async () => {
    const { url } = await start(appModule({ global: false }, [GuardedController]));
    const answer = await send(url, { path: PATH });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(document());
    expect((await send(url, { path: '/guarded' })).status).toBe(401);
  });

  it("the app's global prefix does not move the document off the origin's well-known path", async () => {
    const { url } = await start(appModule(), (app) => app.setGlobalPrefix('api'));
    expect((await send(url, { path: PATH })).status).toBe(200);
    expect((await send(url, { path: `/api${PATH}` })).status).not.toBe(200);
    expect((await send(url, { path: '/api/me' })).status).toBe(401);
  });

  it('the document is answered before a catch-all controller, which still gets every other path', async () => {
    const { url } = await start(appModule({}, [CatchAllController]));
    const answer = await send(url, { path: PATH });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(document());
    const other = await send(url, { path: '/anything', headers: bearer(issuer.mint({ aud: RESOURCE })) });
    expect(other.status, other.body).toBe(200);
    expect(JSON.parse(other.body)).toEqual({ caughtBy: 'controller' });
  });

  it('without resourceMetadata the well-known path is not served and refusals name no document', async () => {
    const plain = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
    try {
      const { url } = await start(appModule({}, [MeController], plain));
      // No route there: Nest's own 404, which no guard sees.
      expect((await send(url, { path: PATH })).status).toBe(404);
      const refusal = await send(url, { path: '/me' });
      expect(refusal.headers['www-authenticate']).not.toContain('resource_metadata');
    } finally {
      plain.close();
    }
  });

  it('a DPoP-bound token with its proof is accepted; the same token as a bearer token is refused', async () => {
    const { url } = await start(appModule());
    const key = createDpopKey('ES256');
    const token = issuer.mint({ aud: RESOURCE }, { dpopKey: key });
    const proof = createDpopProof({ key, htm: 'GET', htu: `${url}/me`, accessToken: token });
    const answer = await send(url, { path: '/me', headers: { Authorization: `DPoP ${token}`, DPoP: proof } });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ authenticated: true });
    const downgraded = await send(url, { path: '/me', headers: bearer(token) });
    expect(downgraded.status).toBe(401);
    expect(downgraded.headers['www-authenticate']).toContain('invalid_token');
  });
});
