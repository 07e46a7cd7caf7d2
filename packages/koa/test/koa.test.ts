import Router from '@koa/router';
import {
  CredentialsRequiredError,
  InsufficientScopeError,
  InvalidTokenError,
  KeysUnavailableError,
  createVerifier,
  errorResponse,
  isAuthError,
  type AuthError,
  type Verifier,
  type VerifierOptions,
} from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import type Koa from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireAnyScope, requireAuth, requireScopes, type RequireAuthMiddleware } from '../src/index.js';
import { KOA_VERSIONS, bearer, listen, send, type Answer, type Running } from './helpers.js';

const REALM = 'orders-api';
const JSON_TYPE = 'application/json; charset=utf-8';

let issuer: FakeIssuer;
const verifiers: Verifier[] = [];
const servers: Running[] = [];

function options(overrides: Partial<VerifierOptions> = {}): VerifierOptions {
  return { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, realm: REALM, ...overrides } as VerifierOptions;
}

function verifierFor(source: FakeIssuer = issuer): Verifier {
  const verifier = createVerifier({ issuer: source.url, audience: source.audience, jwksUri: source.jwksUri, realm: REALM });
  verifiers.push(verifier);
  return verifier;
}

async function serve(app: Koa): Promise<string> {
  const running = await listen(app);
  servers.push(running);
  return running.url;
}

/** The answer every adapter gives to this error: same status, headers and bytes. */
function expectAnswerFor(answer: Answer, error: AuthError): void {
  const expected = errorResponse(error);
  expect(answer.status).toBe(expected.status);
  expect(answer.headers['content-type']).toBe(JSON_TYPE);
  expect(answer.body).toBe(JSON.stringify(expected.body));
  for (const [name, value] of Object.entries(expected.headers)) expect(answer.headers[name.toLowerCase()]).toBe(value);
  if (expected.headers['WWW-Authenticate'] === undefined) expect(answer.headers['www-authenticate']).toBeUndefined();
}

/** A refusal whose description comes from core: checks the shape and that it is core's JSON, byte for byte. */
function expectRefusal(answer: Answer, status: number, error: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe(JSON_TYPE);
  expect(answer.headers['cache-control']).toBe('no-store');
  const parsed = JSON.parse(answer.body) as { error: string; error_description: string };
  expect(Object.keys(parsed)).toEqual(['error', 'error_description']);
  expect(parsed.error).toBe(error);
  expect(answer.body).toBe(JSON.stringify({ error: parsed.error, error_description: parsed.error_description }));
  expect(answer.headers['www-authenticate']).toBe(
    `Bearer realm="${REALM}", error="${error}", error_description="${parsed.error_description}"`,
  );
}

function expectNoToken(answer: Answer, token: string): void {
  expect(answer.body).not.toContain(token);
  for (const value of Object.values(answer.headers)) expect(String(value)).not.toContain(token);
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((running) => running.close()));
  for (const verifier of verifiers.splice(0)) verifier.close();
  issuer.setJwksMode('up');
});
afterAll(async () => {
  await issuer.close();
});

describe('declaring the middleware', () => {
  it('error flow: requireScopes() and requireAnyScope() without a scope are a TypeError', () => {
    expect(() => requireScopes()).toThrow(TypeError);
    expect(() => requireAnyScope()).toThrow(TypeError);
  });

  it('error flow: a scope that is not an RFC 6749 scope token is a TypeError naming the guard', () => {
    expect(() => requireScopes('orders:read', 'orders write')).toThrow(/requireScopes.*"orders write"/);
    expect(() => requireAnyScope('"quoted"')).toThrow(/requireAnyScope/);
    expect(() => requireScopes('')).toThrow(TypeError);
  });

  it('error flow: wrong adapter options are a TypeError naming the option', () => {
    const verifier = verifierFor();
    expect(() => requireAuth(verifier, { errors: 'throw' as never })).toThrow(/"errors"/);
    expect(() => requireAuth(verifier, { optional: 'yes' as never })).toThrow(/"optional"/);
    expect(() => requireAuth(verifier, 'pass' as never)).toThrow(TypeError);
  });

  it('error flow: wrong verifier options are refused by core with a TypeError', () => {
    // @ts-expect-error audience is required by the type too
    expect(() => requireAuth({ issuer: issuer.url })).toThrow(/"audience"/);
  });

  it('happy flow: .verifier is the verifier given, or the one created from options (closable)', () => {
    const shared = verifierFor();
    expect(requireAuth(shared).verifier).toBe(shared);
    const owned = requireAuth(options()).verifier;
    verifiers.push(owned);
    expect(owned).not.toBe(shared);
    expect(typeof owned.close).toBe('function');
  });
});

describe.each(KOA_VERSIONS)('%s', (_name, KoaApp) => {
  /** app.use(requireAuth(...)) in front of a router with scope-guarded routes. */
  async function ordersApp(
    auth: RequireAuthMiddleware,
    calls: { count: number } = { count: 0 },
  ): Promise<string> {
    const app = new KoaApp();
    const router = new Router();
    app.use(auth);
    router.get('/orders', requireScopes('orders:read'), (ctx) => {
      calls.count += 1;
      const token = ctx.state.auth;
      ctx.body = { subject: token?.subject, clientId: token?.clientId, scopes: token?.scopes };
    });
    router.post('/orders', requireScopes('orders:read', 'orders:write'), (ctx) => {
      calls.count += 1;
      ctx.status = 201;
      ctx.body = { created: true };
    });
    router.get('/reports', requireAnyScope('reports:read', 'admin'), (ctx) => {
      calls.count += 1;
      ctx.body = { reports: [] };
    });
    router.get('/me', (ctx) => {
      calls.count += 1;
      ctx.body = { authenticated: ctx.state.auth !== undefined, subject: ctx.state.auth?.subject ?? null };
    });
    app.use(router.routes());
    app.use(router.allowedMethods());
    return serve(app);
  }

  describe('happy flows', () => {
    it('happy flow: the route handler sees the verified token on ctx.state.auth', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const token = issuer.mint({ sub: 'svc-billing', client_id: 'billing', scope: 'orders:read profile' });
      const answer = await send(`${url}/orders`, { authorization: bearer(token) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({
        subject: 'svc-billing',
        clientId: 'billing',
        scopes: ['orders:read', 'profile'],
      });
    });

    it('happy flow: requireScopes passes a token that has every required scope', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const token = issuer.mint({ scope: 'orders:write orders:read' });
      const answer = await send(`${url}/orders`, { method: 'POST', authorization: bearer(token) });
      expect(answer.status).toBe(201);
      expect(JSON.parse(answer.body)).toEqual({ created: true });
    });

    it('happy flow: requireAnyScope passes a token with one of the accepted scopes', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const answer = await send(`${url}/reports`, { authorization: bearer(issuer.mint({ scope: 'admin' })) });
      expect(answer.status).toBe(200);
    });

    it('happy flow: the Bearer scheme is matched case-insensitively', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const token = issuer.mint({ scope: 'orders:read' });
      const answer = await send(`${url}/orders`, { authorization: `bEaReR ${token}` });
      expect(answer.status).toBe(200);
    });

    it('happy flow: requireAuth and requireScopes on one @koa/router route leave the router\'s other routes public', async () => {
      const app = new KoaApp();
      const router = new Router();
      const calls: string[] = [];
      router.get('/health', (ctx) => {
        calls.push('health');
        ctx.body = 'ok';
      });
      router.get('/orders/:id', requireAuth(verifierFor()), requireScopes('orders:read'), (ctx) => {
        calls.push('order');
        ctx.body = { id: ctx.params.id, client: ctx.state.auth?.clientId };
      });
      app.use(router.routes());
      const url = await serve(app);

      expect((await send(`${url}/health`)).status).toBe(200);
      const token = issuer.mint({ client_id: 'shipping', scope: 'orders:read' });
      const answer = await send(`${url}/orders/42`, { authorization: bearer(token) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ id: '42', client: 'shipping' });
      const refused = await send(`${url}/orders/42`);
      expect(refused.status).toBe(401);
      expect(calls).toEqual(['health', 'order']);
    });

    it('happy flow: headers set by earlier middleware (CORS) stay on a refusal in respond mode', async () => {
      const app = new KoaApp();
      app.use(async (ctx, next) => {
        ctx.set('Access-Control-Allow-Origin', 'https://app.example.com');
        await next();
      });
      app.use(requireAuth(verifierFor()));
      const url = await serve(app);
      const answer = await send(url);
      expect(answer.status).toBe(401);
      expect(answer.headers['access-control-allow-origin']).toBe('https://app.example.com');
    });
  });

  describe('refusals (errors: "respond")', () => {
    it('401 with a bare challenge (realm, no error code) when the request has no credential', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor()), calls);
      const answer = await send(`${url}/orders`);
      expectAnswerFor(answer, new CredentialsRequiredError(REALM));
      expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${REALM}", DPoP realm="${REALM}", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"`);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(calls.count).toBe(0);
    });

    it('401 with a bare challenge when the credential uses another scheme (Basic)', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const answer = await send(`${url}/orders`, { authorization: 'Basic b3JkZXJzOnNlY3JldA==' });
      expectAnswerFor(answer, new CredentialsRequiredError(REALM));
    });

    it('Koa does not rewrite the JSON content type, and HEAD gets the same status and headers', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const get = await send(`${url}/orders`);
      const head = await send(`${url}/orders`, { method: 'HEAD' });
      expect(get.headers['content-type']).toBe(JSON_TYPE);
      expect(get.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
      expect(head.status).toBe(401);
      expect(head.body).toBe('');
      expect(head.headers['content-type']).toBe(JSON_TYPE);
      expect(head.headers['www-authenticate']).toBe(get.headers['www-authenticate']);
    });

    it('400 with error="invalid_request" when the Bearer credential is malformed', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor()), calls);
      for (const authorization of ['Bearer', 'Bearer ', 'Bearer abc def', 'Bearer a"b']) {
        const answer = await send(`${url}/orders`, { authorization });
        expectRefusal(answer, 400, 'invalid_request');
      }
      expect(calls.count).toBe(0);
    });

    it('400 with error="invalid_request" when the request carries two Authorization headers', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor()), calls);
      const token = issuer.mint({ scope: 'orders:read' });
      const answer = await send(`${url}/orders`, { authorization: [bearer(token), bearer(token)] });
      expectRefusal(answer, 400, 'invalid_request');
      expectNoToken(answer, token);
      expect(calls.count).toBe(0);
    });

    it('401 with error="invalid_token" when the token has expired', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor()), calls);
      const token = issuer.mint({ scope: 'orders:read' }, { lifetime: -120 });
      const answer = await send(`${url}/orders`, { authorization: bearer(token) });
      expectRefusal(answer, 401, 'invalid_token');
      expectNoToken(answer, token);
      expect(calls.count).toBe(0);
    });

    it('401 with error="invalid_token" when the token is signed with a key the issuer never published', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor()), calls);
      const token = issuer.mint({ scope: 'orders:read' }, { key: 'attacker' });
      const answer = await send(`${url}/orders`, { authorization: bearer(token) });
      expectRefusal(answer, 401, 'invalid_token');
      expectNoToken(answer, token);
      expect(calls.count).toBe(0);
    });

    it('401 with error="invalid_token" when the token is for another audience', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const token = issuer.mint({ aud: 'https://other.example.com', scope: 'orders:read' });
      expectRefusal(await send(`${url}/orders`, { authorization: bearer(token) }), 401, 'invalid_token');
    });

    it('403 with scope="orders:read orders:write" when requireScopes finds one scope missing', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor()), calls);
      const token = issuer.mint({ scope: 'orders:read' });
      const answer = await send(`${url}/orders`, { method: 'POST', authorization: bearer(token) });
      expectAnswerFor(answer, new InsufficientScopeError(['orders:read', 'orders:write'], 'all', REALM));
      expect(answer.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(answer.headers['www-authenticate']).toContain('scope="orders:read orders:write"');
      expectNoToken(answer, token);
      expect(calls.count).toBe(0);
    });

    it('403 with scope="reports:read admin" when requireAnyScope finds none of the accepted scopes', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor()), calls);
      const token = issuer.mint({ scope: 'orders:read reports:write' });
      const answer = await send(`${url}/reports`, { authorization: bearer(token) });
      expectAnswerFor(answer, new InsufficientScopeError(['reports:read', 'admin'], 'any', REALM));
      expect(answer.headers['www-authenticate']).toContain('scope="reports:read admin"');
      expect(calls.count).toBe(0);
    });

    it('403 when scopes differ only in case (matching is exact)', async () => {
      const url = await ordersApp(requireAuth(verifierFor()));
      const answer = await send(`${url}/orders`, { authorization: bearer(issuer.mint({ scope: 'Orders:Read' })) });
      expect(answer.status).toBe(403);
    });

    it('503 with Retry-After and no challenge when the JWKS is down and no key was ever cached', async () => {
      const cold = await startFakeIssuer();
      try {
        cold.setJwksMode('down');
        const calls = { count: 0 };
        const url = await ordersApp(requireAuth(verifierFor(cold)), calls);
        const token = cold.mint({ scope: 'orders:read' });
        const answer = await send(`${url}/orders`, { authorization: bearer(token) });
        expect(answer.status).toBe(503);
        const retryAfter = answer.headers['retry-after'];
        expect(retryAfter).toMatch(/^[1-9]\d*$/);
        expectAnswerFor(answer, new KeysUnavailableError({ retryAfter: Number(retryAfter) }));
        expect(answer.headers['www-authenticate']).toBeUndefined();
        expectNoToken(answer, token);
        expect(calls.count).toBe(0);
        expect(cold.stats.jwksRequests).toBeGreaterThanOrEqual(1);
      } finally {
        await cold.close();
      }
    });
  });

  describe('optional mode', () => {
    it('happy flow: a request without a credential reaches the handler with ctx.state.auth undefined', async () => {
      const url = await ordersApp(requireAuth(verifierFor(), { optional: true }));
      const answer = await send(`${url}/me`);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ authenticated: false, subject: null });
    });

    it('happy flow: a valid credential is still verified and attached', async () => {
      const url = await ordersApp(requireAuth(verifierFor(), { optional: true }));
      const answer = await send(`${url}/me`, { authorization: bearer(issuer.mint({ sub: 'svc-a' })) });
      expect(JSON.parse(answer.body)).toEqual({ authenticated: true, subject: 'svc-a' });
    });

    it('401 with error="invalid_token" when the optional credential is invalid', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor(), { optional: true }), calls);
      const token = issuer.mint({}, { lifetime: -120 });
      expectRefusal(await send(`${url}/me`, { authorization: bearer(token) }), 401, 'invalid_token');
      expect(calls.count).toBe(0);
    });

    it('400 when the optional credential is malformed', async () => {
      const url = await ordersApp(requireAuth(verifierFor(), { optional: true }));
      expectRefusal(await send(`${url}/me`, { authorization: 'Bearer a b' }), 400, 'invalid_request');
    });

    it('401 with a bare challenge when a scope-guarded route gets a request without a credential', async () => {
      const calls = { count: 0 };
      const url = await ordersApp(requireAuth(verifierFor(), { optional: true }), calls);
      expectAnswerFor(await send(`${url}/orders`), new CredentialsRequiredError(REALM));
      expectAnswerFor(await send(`${url}/reports`), new CredentialsRequiredError(REALM));
      expect(calls.count).toBe(0);
    });
  });

  describe('errors: "pass"', () => {
    it('Koa\'s default error handler answers 401 and keeps the WWW-Authenticate challenge of the AuthError', async () => {
      const app = new KoaApp();
      const emitted: unknown[] = [];
      app.on('error', (error: unknown) => emitted.push(error));
      app.use(async (ctx, next) => {
        ctx.set('X-Before', 'cleared by Koa');
        await next();
      });
      app.use(requireAuth(verifierFor(), { errors: 'pass' }));
      app.use((ctx) => {
        ctx.body = 'handler';
      });
      const url = await serve(app);
      const token = issuer.mint({}, { lifetime: -120 });
      const answer = await send(url, { authorization: bearer(token) });

      expect(answer.status).toBe(401);
      expect(emitted).toHaveLength(1);
      const error = emitted[0];
      expect(error).toBeInstanceOf(InvalidTokenError);
      const authError = error as InvalidTokenError;
      expect(answer.headers['www-authenticate']).toBe(authError.headers['WWW-Authenticate']);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="orders-api", error="invalid_token", /);
      // Koa's own rendering: the exposed message as text, and every header set before the throw removed.
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(answer.body).toBe(authError.description);
      expect(answer.headers['x-before']).toBeUndefined();
      expectNoToken(answer, token);
    });

    it('Koa\'s default error handler answers 401 with a bare challenge when the credential is missing', async () => {
      const app = new KoaApp();
      app.on('error', () => undefined);
      app.use(requireAuth(verifierFor(), { errors: 'pass' }));
      const url = await serve(app);
      const answer = await send(url);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${REALM}", DPoP realm="${REALM}", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"`);
    });

    it('Koa\'s default error handler answers 403 with the scope attribute from requireScopes', async () => {
      const app = new KoaApp();
      app.on('error', () => undefined);
      const router = new Router();
      router.get('/orders', requireAuth(verifierFor(), { errors: 'pass' }), requireScopes('orders:write'), (ctx) => {
        ctx.body = 'handler';
      });
      app.use(router.routes());
      const url = await serve(app);
      const answer = await send(`${url}/orders`, { authorization: bearer(issuer.mint({ scope: 'orders:read' })) });
      const expected = new InsufficientScopeError(['orders:write'], 'all', REALM);
      expect(answer.status).toBe(403);
      expect(answer.headers['www-authenticate']).toBe(expected.headers['WWW-Authenticate']);
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(answer.body).toBe(expected.description);
    });

    it('Koa\'s default error handler answers 503 with Retry-After when the keys are unavailable', async () => {
      const cold = await startFakeIssuer();
      try {
        cold.setJwksMode('down');
        const app = new KoaApp();
        app.on('error', () => undefined);
        app.use(requireAuth(verifierFor(cold), { errors: 'pass' }));
        const url = await serve(app);
        const answer = await send(url, { authorization: bearer(cold.mint()) });
        expect(answer.status).toBe(503);
        expect(answer.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        expect(answer.headers['www-authenticate']).toBeUndefined();
      } finally {
        await cold.close();
      }
    });

    it('the app\'s own try/catch error middleware receives the AuthError and renders its own answer', async () => {
      const app = new KoaApp();
      const caught: unknown[] = [];
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          caught.push(error);
          if (!isAuthError(error)) throw error;
          ctx.status = error.status;
          ctx.set(error.headers);
          ctx.body = { problem: error.code, reason: error.reason };
        }
      });
      const router = new Router();
      router.get('/orders', requireScopes('orders:write'), (ctx) => {
        ctx.body = 'handler';
      });
      app.use(requireAuth(verifierFor(), { errors: 'pass' }));
      app.use(router.routes());
      const url = await serve(app);

      const expired = await send(`${url}/orders`, { authorization: bearer(issuer.mint({}, { lifetime: -120 })) });
      expect(expired.status).toBe(401);
      expect(JSON.parse(expired.body)).toEqual({ problem: 'invalid_token', reason: 'expired' });
      expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');

      const missing = await send(`${url}/orders`);
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe(`Bearer realm="${REALM}", DPoP realm="${REALM}", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"`);

      const scoped = await send(`${url}/orders`, { authorization: bearer(issuer.mint({ scope: 'orders:read' })) });
      expect(scoped.status).toBe(403);
      expect(JSON.parse(scoped.body)).toEqual({ problem: 'insufficient_scope', reason: 'insufficient_scope' });

      expect(caught).toHaveLength(3);
      expect(caught[0]).toBeInstanceOf(InvalidTokenError);
      expect(caught[1]).toBeInstanceOf(CredentialsRequiredError);
      expect(caught[2]).toBeInstanceOf(InsufficientScopeError);
    });
  });

  describe('wiring', () => {
    it('one shared verifier across two routers fetches the JWKS once', async () => {
      const fresh = await startFakeIssuer();
      try {
        const shared = verifierFor(fresh);
        const app = new KoaApp();
        const orders = new Router({ prefix: '/orders' });
        const invoices = new Router({ prefix: '/invoices' });
        orders.get('/', requireAuth(shared), requireScopes('orders:read'), (ctx) => {
          ctx.body = { router: 'orders', client: ctx.state.auth?.clientId };
        });
        invoices.get('/', requireAuth(shared), requireAnyScope('invoices:read'), (ctx) => {
          ctx.body = { router: 'invoices', client: ctx.state.auth?.clientId };
        });
        app.use(orders.routes());
        app.use(invoices.routes());
        const url = await serve(app);

        const answers = await Promise.all([
          send(`${url}/orders`, { authorization: bearer(fresh.mint({ client_id: 'a', scope: 'orders:read' })) }),
          send(`${url}/invoices`, { authorization: bearer(fresh.mint({ client_id: 'b', scope: 'invoices:read' })) }),
          send(`${url}/orders`, { authorization: bearer(fresh.mint({ client_id: 'c', scope: 'orders:read' })) }),
        ]);
        expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
        expect(answers.map((answer) => JSON.parse(answer.body) as unknown)).toEqual([
          { router: 'orders', client: 'a' },
          { router: 'invoices', client: 'b' },
          { router: 'orders', client: 'c' },
        ]);
        const again = await send(`${url}/invoices`, {
          authorization: bearer(fresh.mint({ client_id: 'd', scope: 'invoices:read' })),
        });
        expect(again.status).toBe(200);
        expect(fresh.stats.jwksRequests).toBe(1);
        expect(shared.stats().verified).toBe(4);
      } finally {
        await fresh.close();
      }
    });

    it('a scope guard without requireAuth before it is a bug: Koa\'s error path answers 500', async () => {
      const app = new KoaApp();
      const emitted: unknown[] = [];
      app.on('error', (error: unknown) => emitted.push(error));
      const router = new Router();
      router.get('/orders', requireScopes('orders:read'), (ctx) => {
        ctx.body = 'handler';
      });
      app.use(router.routes());
      const url = await serve(app);
      const answer = await send(`${url}/orders`, { authorization: bearer(issuer.mint({ scope: 'orders:read' })) });
      expect(answer.status).toBe(500);
      expect(answer.body).toBe('Internal Server Error');
      expect(emitted).toHaveLength(1);
      expect(isAuthError(emitted[0])).toBe(false);
      expect(String(emitted[0])).toMatch(/requireScopes\(\.\.\.\) must run after requireAuth/);
    });

    it('an error thrown by the handler after authentication goes to Koa\'s error path untouched', async () => {
      const app = new KoaApp();
      const emitted: unknown[] = [];
      app.on('error', (error: unknown) => emitted.push(error));
      app.use(requireAuth(verifierFor()));
      app.use(() => {
        throw new Error('handler bug');
      });
      const url = await serve(app);
      const answer = await send(url, { authorization: bearer(issuer.mint()) });
      expect(answer.status).toBe(500);
      expect((emitted[0] as Error).message).toBe('handler bug');
    });

    it('no refusal ever contains the token, in respond or pass mode', async () => {
      const respond = await ordersApp(requireAuth(verifierFor()));
      const passApp = new KoaApp();
      passApp.on('error', () => undefined);
      passApp.use(requireAuth(verifierFor(), { errors: 'pass' }));
      passApp.use(requireScopes('orders:write'));
      const pass = await serve(passApp);
      const tokens = [
        issuer.mint({ scope: 'orders:read' }, { lifetime: -120 }),
        issuer.mint({ scope: 'orders:read' }, { key: 'attacker' }),
        issuer.mint({ scope: 'orders:read' }, { alg: 'none' }),
        issuer.mint({ scope: 'orders:read', iss: 'https://evil.example.com' }),
        issuer.mint({ scope: 'profile' }),
      ];
      for (const token of tokens) {
        for (const url of [`${respond}/orders`, `${respond}/reports`, pass]) {
          for (const authorization of [bearer(token), `Bearer ${token}x`, [bearer(token), bearer(token)]]) {
            const answer = await send(url, { authorization });
            expect(answer.status).toBeGreaterThanOrEqual(400);
            expectNoToken(answer, token);
          }
        }
      }
    });
  });
});
