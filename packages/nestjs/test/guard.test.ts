import { Module, type Type } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CredentialsRequiredError,
  errorResponse,
  InsufficientScopeError,
  type AuthError,
} from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { PortcullisModule, type PortcullisModuleOptions } from '../src/index.js';
import { HealthController, MeController, OrdersController } from './controllers.js';
import { PLATFORMS, bearer, send, startApp, type Answer, type RunningApp } from './helpers.js';

const REALM = 'orders-api';
const JSON_UTF8 = 'application/json; charset=utf-8';

let good: FakeIssuer;
let down: FakeIssuer;
beforeAll(async () => {
  good = await startFakeIssuer();
  down = await startFakeIssuer();
  down.setJwksMode('down');
});
afterAll(async () => {
  await good.close();
  await down.close();
});

function moduleWith(options: Partial<PortcullisModuleOptions>): Type {
  @Module({
    imports: [
      PortcullisModule.forRoot({
        issuer: [
          { issuer: good.url, jwksUri: good.jwksUri },
          { issuer: down.url, jwksUri: down.jwksUri },
        ],
        audience: good.audience,
        realm: REALM,
        jwks: { timeout: 500 },
        ...options,
      } as PortcullisModuleOptions),
    ],
    controllers: [OrdersController, HealthController, MeController],
  })
  class AppModule {}
  return AppModule;
}

/** The exact answer core gives for this error: status, headers, media type and body. */
function expectAnswerOf(answer: Answer, error: AuthError): void {
  const expected = errorResponse(error);
  expect(answer.status).toBe(expected.status);
  for (const [name, value] of Object.entries(expected.headers)) expect(answer.headers[name.toLowerCase()]).toBe(value);
  expect(answer.headers['content-type']).toBe(JSON_UTF8);
  expect(answer.body).toBe(JSON.stringify(expected.body));
}

const insufficient = (scopes: string[], mode: 'all' | 'any' = 'all') => new InsufficientScopeError(scopes, mode, REALM);

describe.each(PLATFORMS)('PortcullisGuard on $name', (platform) => {
  let app: RunningApp;
  let optionalApp: RunningApp;
  beforeAll(async () => {
    app = await startApp(platform, moduleWith({}));
    optionalApp = await startApp(platform, moduleWith({ optional: true }));
  });
  afterAll(async () => {
    await app.close();
    await optionalApp.close();
  });

  it('happy flow: a valid token reaches the handler, as @Auth()', async () => {
    const answer = await send(app.url, { path: '/me', headers: bearer(good.mint({ sub: 'alice', client_id: 'billing', scope: 'orders:read' })) });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ authenticated: true, subject: 'alice', clientId: 'billing', scopes: ['orders:read'] });
  });

  it('error flow: 401 with a bare challenge carrying the realm when there is no token', async () => {
    const answer = await send(app.url, { path: '/me' });
    expectAnswerOf(answer, new CredentialsRequiredError(REALM));
    // Both accepted schemes are offered (RFC 9449 §7.1; DPoP is allowed by default).
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="${REALM}", DPoP realm="${REALM}", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"`,
    );
  });

  it('error flow: 401 invalid_token for an expired token, and the token is not echoed', async () => {
    const token = good.mint({}, { lifetime: -60 });
    const answer = await send(app.url, { path: '/me', headers: bearer(token) });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(new RegExp(`^Bearer realm="${REALM}", error="invalid_token", error_description="[^"]+"$`));
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_token' });
    expect(answer.body).not.toContain(token);
  });

  it('error flow: 400 invalid_request for two Authorization header lines', async () => {
    const token = good.mint();
    const answer = await send(app.url, { path: '/me', headers: ['Authorization', `Bearer ${token}`, 'Authorization', `Bearer ${token}`] });
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="orders-api", error="invalid_request"/);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('error flow: 503 with Retry-After and no challenge when the issuer keys cannot be had', async () => {
    const answer = await send(app.url, { path: '/me', headers: bearer(down.mint()) });
    expect(answer.status).toBe(503);
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'keys_unavailable' });
  });

  it('403 insufficient_scope naming the controller scope when the token lacks it', async () => {
    const answer = await send(app.url, { path: '/orders', headers: bearer(good.mint({ scope: 'profile' })) });
    expectAnswerOf(answer, insufficient(['orders:read']));
    expect(answer.headers['www-authenticate']).toContain('scope="orders:read"');
  });

  it('a handler @Scopes adds to the controller @Scopes: 403 naming orders:write with only orders:read, 200 with both', async () => {
    const readOnly = await send(app.url, { method: 'POST', path: '/orders', headers: bearer(good.mint({ scope: 'orders:read' })) });
    expectAnswerOf(readOnly, insufficient(['orders:write']));
    const writeOnly = await send(app.url, { method: 'POST', path: '/orders', headers: bearer(good.mint({ scope: 'orders:write' })) });
    expectAnswerOf(writeOnly, insufficient(['orders:read']));
    const both = await send(app.url, { method: 'POST', path: '/orders', headers: bearer(good.mint({ scope: 'orders:write orders:read' })) });
    expect(both.status).toBe(200);
    expect(JSON.parse(both.body)).toMatchObject({ authenticated: true, scopes: ['orders:write', 'orders:read'] });
  });

  it('@AnyScope: either scope is enough; with neither, 403 names both', async () => {
    const audit = await send(app.url, { path: '/orders/audit', headers: bearer(good.mint({ scope: 'orders:read orders:audit' })) });
    expect(audit.status).toBe(200);
    const neither = await send(app.url, { path: '/orders/audit', headers: bearer(good.mint({ scope: 'orders:read' })) });
    expectAnswerOf(neither, insufficient(['orders:admin', 'orders:audit'], 'any'));
    expect(neither.headers['www-authenticate']).toContain('scope="orders:admin orders:audit"');
  });

  it('@Public() on a handler: no token needed, a garbage token is not even read, and @Auth() is undefined', async () => {
    for (const headers of [{}, bearer('garbage'), { Authorization: 'Bearer' }]) {
      const answer = await send(app.url, { path: '/orders/catalog', headers });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ authenticated: false });
    }
  });

  it('@Public() on a class opens every handler, except one that declares scopes of its own', async () => {
    const open = await send(app.url, { path: '/health', headers: bearer('garbage') });
    expect(open.status).toBe(200);
    expect(JSON.parse(open.body)).toEqual({ ok: true, authenticated: false });
    const deepWithout = await send(app.url, { path: '/health/deep' });
    expectAnswerOf(deepWithout, new CredentialsRequiredError(REALM));
    const deepLacking = await send(app.url, { path: '/health/deep', headers: bearer(good.mint({ scope: 'orders:read' })) });
    expectAnswerOf(deepLacking, insufficient(['ops:read']));
    const deep = await send(app.url, { path: '/health/deep', headers: bearer(good.mint({ scope: 'ops:read' })) });
    expect(deep.status).toBe(200);
  });

  it('a route that does not exist answers 404, not 401: the guard only runs on routes', async () => {
    const answer = await send(app.url, { path: '/no-such-route' });
    expect(answer.status).toBe(404);
    expect(answer.headers['www-authenticate']).toBeUndefined();
  });

  it("a handler's own error is Nest's 500, not an auth answer", async () => {
    const answer = await send(app.url, { path: '/me/boom', headers: bearer(good.mint()) });
    expect(answer.status).toBe(500);
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(answer.body).not.toContain('a bug in the handler');
  });

  it('keep-alive: a refused request leaves the connection usable for the next one', async () => {
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const statuses: number[] = [];
      const sockets = new Set<unknown>();
      for (const headers of [{}, bearer(good.mint({}, { lifetime: -60 })), bearer(good.mint())]) {
        const { request } = await import('node:http');
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(new URL('/me', app.url), { agent, headers, timeout: 5_000 }, (res) => {
            sockets.add(res.socket);
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('timeout', () => req.destroy(new Error('timed out')));
          req.on('error', reject);
          req.end();
        });
        statuses.push(status);
      }
      expect(statuses).toEqual([401, 401, 200]);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('allowFormBodyToken: the guard runs after Nest parsed the body, so a form-body token (RFC 6750 §2.2) is read', async () => {
    const formApp = await startApp(platform, moduleWith({ allowFormBodyToken: true }));
    try {
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      const ok = await send(formApp.url, { method: 'POST', path: '/orders', headers: form, body: `access_token=${good.mint({ scope: 'orders:read orders:write' })}` });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ authenticated: true });
      const twice = await send(formApp.url, {
        method: 'POST',
        path: '/orders',
        headers: { ...form, ...bearer(good.mint()) },
        body: `access_token=${good.mint()}`,
      });
      expect(twice.status).toBe(400);
    } finally {
      await formApp.close();
    }
  });

  describe('optional mode', () => {
    it('a request without a credential reaches the handler with @Auth() undefined', async () => {
      const answer = await send(optionalApp.url, { path: '/me' });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ authenticated: false });
    });

    it('a valid token is still verified and given to the handler', async () => {
      const answer = await send(optionalApp.url, { path: '/me', headers: bearer(good.mint({ sub: 'bob' })) });
      expect(JSON.parse(answer.body)).toMatchObject({ authenticated: true, subject: 'bob' });
    });

    it('an invalid token is still refused with 401 invalid_token', async () => {
      const answer = await send(optionalApp.url, { path: '/me', headers: bearer(good.mint({}, { key: 'attacker' })) });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('a scoped route without a credential answers a bare 401, not 403', async () => {
      const answer = await send(optionalApp.url, { path: '/orders' });
      expectAnswerOf(answer, new CredentialsRequiredError(REALM));
    });
  });
});
