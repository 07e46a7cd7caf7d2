import type { NextFunction, Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  CredentialsRequiredError,
  errorResponse,
  isAuthError,
  type AuthError as AuthErrorType,
  type Verifier,
} from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { requireAuth } from '../src/index.js';
import { EXPRESS_VERSIONS, Resources, bearer, send, type Answer } from './helpers.js';

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

const JSON_UTF8 = 'application/json; charset=utf-8';

/** What the handler saw of `req.auth`. */
function echoAuth(req: Request, res: Response): void {
  const auth = req.auth;
  res.json(
    auth === undefined
      ? { authenticated: false }
      : {
          authenticated: true,
          subject: auth.subject,
          clientId: auth.clientId,
          scopes: auth.scopes,
          tenant: auth.claims.tenant_id,
          issuer: auth.issuer,
        },
  );
}

/** Asserts the exact answer core gives for this error: status, headers, media type and body. */
function expectAnswerOf(answer: Answer, error: AuthErrorType): void {
  const expected = errorResponse(error);
  expect(answer.status).toBe(expected.status);
  for (const [name, value] of Object.entries(expected.headers)) expect(answer.headers[name.toLowerCase()]).toBe(value);
  expect(answer.headers['content-type']).toBe(JSON_UTF8);
  expect(answer.body).toBe(JSON.stringify(expected.body));
}

describe.each(EXPRESS_VERSIONS)('requireAuth on $name', ({ express }) => {
  const resources = new Resources();
  afterEach(async () => {
    issuer.setJwksMode('up');
    await resources.closeAll();
  });

  async function serveGuarded(verifier: Verifier, options?: Parameters<typeof requireAuth>[1]): Promise<string> {
    const app = express();
    app.use(requireAuth(verifier, options));
    app.get('/me', echoAuth);
    return resources.serve(app);
  }

  describe('happy flows', () => {
    it('app-level: 200, and the handler sees the verified claims and scopes on req.auth', async () => {
      const url = await serveGuarded(resources.verifier(issuer));
      const token = issuer.mint({ sub: 'svc-orders', scope: 'orders:read orders:write', tenant_id: 'tenant-7' });
      const answer = await send(url, { path: '/me', headers: bearer(token) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({
        authenticated: true,
        subject: 'svc-orders',
        clientId: expect.any(String) as string,
        scopes: ['orders:read', 'orders:write'],
        tenant: 'tenant-7',
        issuer: issuer.url,
      });
    });

    it('route-level: only the route that mounts requireAuth asks for a token', async () => {
      const app = express();
      app.get('/public', (_req, res) => {
        res.send('open');
      });
      app.get('/private', requireAuth(resources.verifier(issuer)), echoAuth);
      const url = await resources.serve(app);

      expect((await send(url, { path: '/public' })).status).toBe(200);
      expect((await send(url, { path: '/private' })).status).toBe(401);
      const answer = await send(url, { path: '/private', headers: bearer(issuer.mint({ sub: 'svc-a' })) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ authenticated: true, subject: 'svc-a' });
    });

    it('one verifier shared by two routers fetches the JWKS once', async () => {
      const verifier = resources.verifier(issuer);
      const app = express();
      const orders = express.Router();
      orders.use(requireAuth(verifier));
      orders.get('/', echoAuth);
      const billing = express.Router();
      billing.use(requireAuth(verifier));
      billing.get('/', echoAuth);
      app.use('/orders', orders);
      app.use('/billing', billing);
      const url = await resources.serve(app);
      issuer.resetStats();

      const token = issuer.mint();
      const answers = await Promise.all(
        ['/orders', '/billing', '/orders', '/billing'].map((path) => send(url, { path, headers: bearer(token) })),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      expect((await send(url, { path: '/billing', headers: bearer(issuer.mint()) })).status).toBe(200);
      expect(issuer.stats.jwksRequests).toBe(1);
    });

    it('exposes the verifier: the one it was given, or the one it created from options', () => {
      const given = resources.verifier(issuer);
      expect(requireAuth(given).verifier).toBe(given);

      const created = requireAuth({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
      resources.track(created.verifier);
      expect(created.verifier).not.toBe(given);
      expect(typeof created.verifier.authenticate).toBe('function');
      expect(typeof created.verifier.close).toBe('function');
    });

    it('a middleware built from options verifies tokens on its own', async () => {
      const middleware = requireAuth({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
      resources.track(middleware.verifier);
      const app = express();
      app.get('/me', middleware, echoAuth);
      const url = await resources.serve(app);
      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint({ sub: 'svc-b' })) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ subject: 'svc-b' });
    });
  });

  describe('error flows', () => {
    it('401 with a bare Bearer challenge when the request has no credential', async () => {
      const url = await serveGuarded(resources.verifier(issuer));
      const answer = await send(url, { path: '/me' });
      expectAnswerOf(answer, new CredentialsRequiredError());
      expect(answer.headers['www-authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
      expect(answer.headers['cache-control']).toBe('no-store');
    });

    it('401 with the bare challenge for another scheme (Basic)', async () => {
      const url = await serveGuarded(resources.verifier(issuer));
      const answer = await send(url, { path: '/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    });

    it('401 with realm="orders-api" in the challenge when a realm is configured', async () => {
      const url = await serveGuarded(resources.verifier(issuer, { realm: 'orders-api' }));
      const answer = await send(url, { path: '/me' });
      expectAnswerOf(answer, new CredentialsRequiredError('orders-api'));
      expect(answer.headers['www-authenticate']).toBe('Bearer realm="orders-api", DPoP realm="orders-api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    });

    it.each([
      ['Bearer with no token', 'Bearer'],
      ['Bearer with two tokens', 'Bearer abc def'],
      ['Bearer with an illegal character', 'Bearer abc,def'],
    ])('400 with error="invalid_request" for a malformed header (%s)', async (_name, authorization) => {
      const url = await serveGuarded(resources.verifier(issuer));
      const answer = await send(url, { path: '/me', headers: { authorization } });
      expect(answer.status).toBe(400);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request", error_description="[^"]+"$/);
      expect(answer.headers['content-type']).toBe(JSON_UTF8);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
    });

    it('400 with error="invalid_request" when the request has two Authorization headers', async () => {
      const url = await serveGuarded(resources.verifier(issuer));
      const token = issuer.mint();
      const answer = await send(url, {
        path: '/me',
        headers: ['Authorization', `Bearer ${token}`, 'Authorization', `Bearer ${token}`],
      });
      expect(answer.status).toBe(400);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
      expect(answer.body).not.toContain(token);
    });

    it('401 with error="invalid_token" when the token has expired', async () => {
      const url = await serveGuarded(resources.verifier(issuer));
      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint({}, { lifetime: -120 })) });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_token' });
    });

    it('401 with error="invalid_token" when the token is signed with an attacker key', async () => {
      const url = await serveGuarded(resources.verifier(issuer));
      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint({}, { key: 'attacker' })) });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    it('the answer never contains the token, in the body or in a header', async () => {
      const url = await serveGuarded(resources.verifier(issuer, { realm: 'orders-api' }));
      const tokens = [
        issuer.mint({}, { lifetime: -120 }),
        issuer.mint({}, { key: 'attacker' }),
        issuer.mint({ aud: 'https://other.example.com' }),
        `${issuer.mint()}x`,
      ];
      for (const token of tokens) {
        const answer = await send(url, { path: '/me', headers: bearer(token) });
        expect(answer.status).toBe(401);
        const signature = token.split('.')[2]!;
        for (const text of [answer.body, ...answer.rawHeaders]) {
          expect(text).not.toContain(token);
          expect(text).not.toContain(signature);
        }
      }
    });

    it('503 with Retry-After and no challenge when the JWKS is down at cold start', async () => {
      issuer.setJwksMode('down');
      let handled = 0;
      const app = express();
      app.get('/me', requireAuth(resources.verifier(issuer)), (_req, res) => {
        handled++;
        res.send('ok');
      });
      const url = await resources.serve(app);
      const token = issuer.mint();
      const answer = await send(url, { path: '/me', headers: bearer(token) });
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(answer.headers['www-authenticate']).toBeUndefined();
      expect(answer.headers['content-type']).toBe(JSON_UTF8);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'keys_unavailable' });
      expect(answer.body).not.toContain(token);
      expect(handled).toBe(0);
    });

    it('a refused request never reaches the route handler', async () => {
      let handled = 0;
      const app = express();
      app.use(requireAuth(resources.verifier(issuer)));
      app.get('/me', (_req, res) => {
        handled++;
        res.send('ok');
      });
      const url = await resources.serve(app);
      expect((await send(url, { path: '/me' })).status).toBe(401);
      expect((await send(url, { path: '/me', headers: bearer(issuer.mint({}, { lifetime: -120 })) })).status).toBe(401);
      expect((await send(url, { path: '/me', headers: { authorization: 'Bearer' } })).status).toBe(400);
      expect(handled).toBe(0);
    });

    it('a HEAD request gets the status and challenge without a body', async () => {
      const url = await serveGuarded(resources.verifier(issuer));
      const answer = await send(url, { method: 'HEAD', path: '/me' });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
      expect(answer.body).toBe('');
    });
  });

  describe('optional mode', () => {
    it('a request without a credential reaches the handler with req.auth undefined', async () => {
      const url = await serveGuarded(resources.verifier(issuer), { optional: true });
      const answer = await send(url, { path: '/me' });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ authenticated: false });
    });

    it('a valid token still sets req.auth', async () => {
      const url = await serveGuarded(resources.verifier(issuer), { optional: true });
      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint({ sub: 'svc-c' })) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ authenticated: true, subject: 'svc-c' });
    });

    it('401 with error="invalid_token" for an invalid token: optional is not "anything goes"', async () => {
      const url = await serveGuarded(resources.verifier(issuer), { optional: true });
      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint({}, { key: 'attacker' })) });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    it('400 for a malformed header', async () => {
      const url = await serveGuarded(resources.verifier(issuer), { optional: true });
      expect((await send(url, { path: '/me', headers: { authorization: 'Bearer' } })).status).toBe(400);
    });
  });

  describe("errors: 'pass'", () => {
    it("hands the AuthError to the app's error handler, with its status and headers", async () => {
      const seen: unknown[] = [];
      const app = express();
      app.use(requireAuth(resources.verifier(issuer, { realm: 'orders-api' }), { errors: 'pass' }));
      app.get('/me', echoAuth);
      app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
        seen.push(error);
        const status = isAuthError(error) ? error.status : 500;
        res.status(status).json({ handledBy: 'app' });
      });
      const url = await resources.serve(app);

      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint({}, { lifetime: -120 })) });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toEqual({ handledBy: 'app' });
      expect(answer.headers['www-authenticate']).toBeUndefined();
      expect(seen).toHaveLength(1);
      const error = seen[0] as AuthError;
      expect(error).toBeInstanceOf(AuthError);
      expect(error.status).toBe(401);
      expect(error.statusCode).toBe(401);
      expect(error.code).toBe('invalid_token');
      expect(error.reason).toBe('expired');
      expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="orders-api", error="invalid_token"/);
    });

    it("Express's default error handler renders the AuthError's status and challenge", async () => {
      const app = express();
      app.use(requireAuth(resources.verifier(issuer), { errors: 'pass' }));
      app.get('/me', echoAuth);
      const url = await resources.serve(app);

      const missing = await send(url, { path: '/me' });
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
      expect(missing.headers['cache-control']).toBe('no-store');
      const malformed = await send(url, { path: '/me', headers: { authorization: 'Bearer' } });
      expect(malformed.status).toBe(400);
      expect(malformed.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
    });

    it('a valid token still reaches the handler', async () => {
      const url = await serveGuarded(resources.verifier(issuer), { errors: 'pass' });
      expect((await send(url, { path: '/me', headers: bearer(issuer.mint()) })).status).toBe(200);
    });
  });

  describe('failures that are not AuthErrors', () => {
    function brokenVerifier(authenticate: () => Promise<never>): Verifier {
      const real = resources.verifier(issuer);
      return Object.assign(Object.create(real) as Verifier, { authenticate });
    }

    it.each([
      ['rejects', () => Promise.reject(new TypeError('verifier bug'))],
      [
        'throws synchronously',
        () => {
          throw new TypeError('verifier bug');
        },
      ],
    ])("a verifier that %s with a non-AuthError goes to Express's error path (500)", async (_name, authenticate) => {
      const seen: unknown[] = [];
      const app = express();
      app.use(requireAuth(brokenVerifier(authenticate)));
      app.get('/me', echoAuth);
      app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
        seen.push(error);
        res.status(500).send('bug');
      });
      const url = await resources.serve(app);
      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint()) });
      expect(answer.status).toBe(500);
      expect(seen).toHaveLength(1);
      expect((seen[0] as Error).message).toBe('verifier bug');
    });

    it('an error thrown by the handler after requireAuth reaches the error handler', async () => {
      const seen: unknown[] = [];
      const app = express();
      app.use(requireAuth(resources.verifier(issuer)));
      app.get('/me', () => {
        throw new Error('handler failed');
      });
      app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
        seen.push(error);
        res.status(500).send('handled');
      });
      const url = await resources.serve(app);
      const answer = await send(url, { path: '/me', headers: bearer(issuer.mint()) });
      expect(answer.status).toBe(500);
      expect(answer.body).toBe('handled');
      expect((seen[0] as Error).message).toBe('handler failed');
    });
  });
});

describe('requireAuth declaration', () => {
  const options = { issuer: 'https://issuer.example.com/', audience: 'https://api.example.com' };

  it.each([
    ['errors is not respond or pass', { errors: 'throw' }, /"errors"/],
    ['optional is not a boolean', { optional: 'yes' }, /"optional"/],
    ['the adapter options are not an object', 'optional', /options object/],
  ])('TypeError when %s', (_name, adapterOptions, message) => {
    expect(() => requireAuth(options, adapterOptions as never)).toThrow(TypeError);
    expect(() => requireAuth(options, adapterOptions as never)).toThrow(message);
  });

  it('TypeError when there are neither verifier options nor a verifier', () => {
    expect(() => requireAuth(undefined as never)).toThrow(TypeError);
    expect(() => requireAuth(null as never)).toThrow(TypeError);
  });

  it("TypeError naming the option when core refuses the verifier options", () => {
    expect(() => requireAuth({ ...options, audience: [] })).toThrow(/"audience"/);
  });
});
