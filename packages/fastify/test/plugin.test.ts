import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  CredentialsRequiredError,
  InsufficientScopeError,
  KeysUnavailableError,
  createVerifier,
  errorResponse,
  isAuthError,
  type AuthError,
  type Verifier,
} from '@portcullis/core';
import portcullis, { portcullis as namedPortcullis } from '../src/index.js';
import { bearer, closeApps, newApp, renderOwnError, verifierOptions, whoami } from './helpers.js';

let issuer: FakeIssuer;
const verifiers: Verifier[] = [];

function sharedVerifier(): Verifier {
  const verifier = createVerifier(verifierOptions(issuer));
  verifiers.push(verifier);
  return verifier;
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(async () => {
  issuer.setJwksMode('up');
  await closeApps();
  for (const verifier of verifiers.splice(0)) verifier.close();
});
afterAll(async () => {
  await issuer.close();
});

/** An app protected at the root, with the usual routes. */
async function protectedApp(extra: Record<string, unknown> = {}) {
  const app = newApp();
  await app.register(portcullis, { ...verifierOptions(issuer, { realm: 'orders-api' }), ...extra });
  app.get('/me', whoami);
  app.post('/orders', { config: { auth: { scopes: ['orders:write', 'orders:admin'] } } }, whoami);
  app.get('/reports', { config: { auth: { anyScope: ['reports:read', 'admin'] } } }, whoami);
  app.get('/health', { config: { auth: false } }, whoami);
  return app;
}

describe('happy flow', () => {
  it('the handler sees the verified token on request.auth', async () => {
    const app = await protectedApp();
    const response = await app.inject({ url: '/me', headers: bearer(issuer.mint({ sub: 'svc-orders', scope: 'a b' })) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ auth: { subject: 'svc-orders', scopes: ['a', 'b'] } });
  });

  it('a route requiring scopes (all of) passes when the token has every one', async () => {
    const app = await protectedApp();
    const token = issuer.mint({ scope: 'orders:admin orders:read orders:write' });
    const response = await app.inject({ method: 'POST', url: '/orders', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
  });

  it('a route requiring any of several scopes passes with just one of them', async () => {
    const app = await protectedApp();
    const response = await app.inject({ url: '/reports', headers: bearer(issuer.mint({ scope: 'admin' })) });
    expect(response.statusCode).toBe(200);
  });

  it('the default export and the named export are the same plugin', () => {
    expect(portcullis).toBe(namedPortcullis);
  });
});

describe('error flow', () => {
  it('401 with a bare Bearer challenge carrying the realm when there is no token', async () => {
    const app = await protectedApp();
    const response = await app.inject({ url: '/me' });
    const expected = errorResponse(new CredentialsRequiredError('orders-api'));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="orders-api", DPoP realm="orders-api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toBe(JSON.stringify(expected.body));
  });

  it('401 with a bare challenge when the request uses another scheme (Basic)', async () => {
    const app = await protectedApp();
    const response = await app.inject({ url: '/me', headers: { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="orders-api", DPoP realm="orders-api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
  });

  it('400 with error="invalid_request" when the Bearer scheme carries no token', async () => {
    const app = await protectedApp();
    const response = await app.inject({ url: '/me', headers: { authorization: 'Bearer ' } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="orders-api", error="invalid_request", error_description="/);
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('401 with error="invalid_token" when the token has expired', async () => {
    const app = await protectedApp();
    const response = await app.inject({ url: '/me', headers: bearer(issuer.mint({}, { lifetime: -120 })) });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('401 with error="invalid_token" when the token is signed by an attacker key', async () => {
    const app = await protectedApp();
    const token = issuer.mint({}, { key: 'attacker' });
    const response = await app.inject({ url: '/me', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(response.body).not.toContain(token);
  });

  it('403 with scope="orders:write orders:admin" when one required scope (all of) is missing', async () => {
    const app = await protectedApp();
    const response = await app.inject({ method: 'POST', url: '/orders', headers: bearer(issuer.mint({ scope: 'orders:write' })) });
    const expected = errorResponse(new InsufficientScopeError(['orders:write', 'orders:admin'], 'all', 'orders-api'));
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toBe(expected.headers['WWW-Authenticate']);
    expect(response.headers['www-authenticate']).toContain('scope="orders:write orders:admin"');
    expect(response.body).toBe(JSON.stringify(expected.body));
  });

  it('403 with scope="reports:read admin" when the token has none of the accepted scopes (any of)', async () => {
    const app = await protectedApp();
    const response = await app.inject({ url: '/reports', headers: bearer(issuer.mint({ scope: 'orders:read' })) });
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(response.headers['www-authenticate']).toContain('scope="reports:read admin"');
  });

  it('503 with Retry-After and no challenge when the JWKS is down and no key is cached', async () => {
    issuer.setJwksMode('down');
    const app = await protectedApp();
    const response = await app.inject({ url: '/me', headers: bearer(issuer.mint()) });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(response.json()).toEqual(errorResponse(new KeysUnavailableError({ retryAfter: 1 })).body);
  });

  it("a failure that is not an AuthError (a bug) goes to Fastify's error path as a 500, never a pass", async () => {
    const real = sharedVerifier();
    const broken: Verifier = Object.assign(Object.create(real) as Verifier, {
      authenticate: () => Promise.reject(new RangeError('bug in a custom verifier')),
    });
    const app = newApp();
    await app.register(portcullis, { verifier: broken });
    app.get('/me', whoami);
    const response = await app.inject({ url: '/me', headers: bearer(issuer.mint()) });
    expect(response.statusCode).toBe(500);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });
});

describe('route config', () => {
  it('config: { auth: false } opts a route out: no token needed, and a bad one is not even read', async () => {
    const app = await protectedApp();
    expect((await app.inject({ url: '/health' })).json()).toEqual({ auth: null });
    const expired = issuer.mint({}, { lifetime: -120 });
    const response = await app.inject({ url: '/health', headers: bearer(expired) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ auth: null });
  });

  it('config: { auth: {} } only requires a valid token', async () => {
    const app = newApp();
    await app.register(portcullis, verifierOptions(issuer));
    app.get('/any', { config: { auth: {} } }, whoami);
    expect((await app.inject({ url: '/any' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/any', headers: bearer(issuer.mint({ scope: undefined })) })).statusCode).toBe(200);
  });

  it.each([
    ['a string instead of a list', { scopes: 'orders:read' }, /config\.auth\.scopes: must be an array/],
    ['a scope with a space', { scopes: ['orders read'] }, /config\.auth\.scopes: "orders read" is not a valid scope token/],
    ['an empty anyScope', { anyScope: [] }, /config\.auth\.anyScope: needs at least one scope/],
    ['a misspelt key', { scope: ['orders:read'] }, /option "config\.auth\.scope" is not a known option \(did you mean "config\.auth\.scopes"\?\)/],
    ['true', true, /config\.auth: must be false or an object/],
  ])('TypeError at ready() naming the route when config.auth has %s', async (_name, auth, message) => {
    const app = newApp();
    void app.register(portcullis, verifierOptions(issuer));
    void app.register(async (child) => {
      child.get('/orders', { config: { auth: auth as never } }, whoami);
      return Promise.resolve();
    });
    const ready = app.ready();
    await expect(ready).rejects.toThrow(TypeError);
    await expect(ready).rejects.toThrow(message);
    await expect(ready).rejects.toThrow(/Portcullis: route GET \/orders config\.auth/);
  });

  it('after await register, declaring a route with a bad config.auth throws at once', async () => {
    const app = newApp();
    await app.register(portcullis, verifierOptions(issuer));
    expect(() => app.get('/x', { config: { auth: { scopes: [''] } } }, whoami)).toThrow(TypeError);
  });

  it('a route declared before the plugin loaded is still protected and its scopes enforced', async () => {
    const app = newApp();
    void app.register(portcullis, verifierOptions(issuer));
    app.get('/early', { config: { auth: { scopes: ['orders:write'] } } }, whoami);
    app.get('/early-public', { config: { auth: false } }, whoami);
    await app.ready();
    expect((await app.inject({ url: '/early' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/early', headers: bearer(issuer.mint({ scope: 'orders:read' })) })).statusCode).toBe(403);
    expect((await app.inject({ url: '/early', headers: bearer(issuer.mint({ scope: 'orders:write' })) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/early-public' })).statusCode).toBe(200);
  });

  it('a route declared before the plugin loaded with a bad config.auth fails closed (500), never open', async () => {
    const app = newApp();
    void app.register(portcullis, verifierOptions(issuer));
    app.get('/early', { config: { auth: { scopes: 'orders:write' as never } } }, whoami);
    await app.ready();
    const response = await app.inject({ url: '/early', headers: bearer(issuer.mint({ scope: 'orders:write' })) });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('"auth"');
  });

  it('an unknown URL in a protected scope answers 401 without a token and 404 with one', async () => {
    const app = await protectedApp();
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/nowhere', headers: bearer(issuer.mint()) })).statusCode).toBe(404);
  });

  it('the HEAD route Fastify adds for a protected GET is protected too', async () => {
    const app = await protectedApp();
    expect((await app.inject({ method: 'HEAD', url: '/me' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'HEAD', url: '/me', headers: bearer(issuer.mint()) })).statusCode).toBe(200);
  });

  it('registered inside a child plugin, it protects only that plugin\'s routes', async () => {
    const app = newApp();
    // Outside the child, requests are not decorated: request.auth is not there at all.
    app.get('/public', (request) => ({ decorated: 'auth' in request }));
    await app.register(async (child) => {
      await child.register(portcullis, verifierOptions(issuer));
      child.get('/private', whoami);
    });
    expect((await app.inject({ url: '/public' })).json()).toEqual({ decorated: false });
    expect((await app.inject({ url: '/private' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/private', headers: bearer(issuer.mint()) })).statusCode).toBe(200);
  });
});

describe('optional mode', () => {
  it('a request without any credential passes with request.auth undefined', async () => {
    const app = await protectedApp({ optional: true });
    const response = await app.inject({ url: '/me' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ auth: null });
  });

  it('a valid token is still verified and attached', async () => {
    const app = await protectedApp({ optional: true });
    const response = await app.inject({ url: '/me', headers: bearer(issuer.mint({ sub: 'svc-a' })) });
    expect(response.json()).toMatchObject({ auth: { subject: 'svc-a' } });
  });

  it('an invalid credential is still refused with 401 invalid_token', async () => {
    const app = await protectedApp({ optional: true });
    const response = await app.inject({ url: '/me', headers: bearer(issuer.mint({}, { key: 'attacker' })) });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('a route requiring scopes answers 401 with a bare challenge when there is no credential', async () => {
    const app = await protectedApp({ optional: true });
    const response = await app.inject({ method: 'POST', url: '/orders' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="orders-api", DPoP realm="orders-api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
  });
});

describe("errors: 'pass'", () => {
  it("the app's setErrorHandler receives the AuthError with its status and headers", async () => {
    const app = newApp();
    const seen: AuthError[] = [];
    app.setErrorHandler((error, request, reply) => {
      if (isAuthError(error)) seen.push(error);
      renderOwnError(error as Error, request, reply);
    });
    await app.register(portcullis, { ...verifierOptions(issuer), errors: 'pass' });
    app.post('/orders', { config: { auth: { scopes: ['orders:write'] } } }, whoami);

    const missing = await app.inject({ method: 'POST', url: '/orders' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    expect(missing.json()).toEqual({ problem: 'CredentialsRequiredError' });

    const forbidden = await app.inject({ method: 'POST', url: '/orders', headers: bearer(issuer.mint({ scope: 'orders:read' })) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ problem: 'InsufficientScopeError' });
    expect(seen.map((error) => error.code)).toEqual(['credentials_required', 'insufficient_scope']);
  });

  it("Fastify's default error handler answers with the AuthError's status and WWW-Authenticate challenge", async () => {
    const app = newApp();
    await app.register(portcullis, { ...verifierOptions(issuer, { realm: 'orders-api' }), errors: 'pass' });
    app.get('/me', whoami);
    const response = await app.inject({ url: '/me', headers: bearer(issuer.mint({}, { lifetime: -120 })) });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="orders-api", error="invalid_token"/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });
});

describe('request bodies', () => {
  it('a POST with a large JSON body and no token is refused before the body is parsed', async () => {
    const app = newApp();
    let parsed = 0;
    let validated = 0;
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 }, (_request, body, done) => {
      parsed++;
      done(null, JSON.parse(body as string));
    });
    app.addHook('preValidation', (_request, _reply, done) => {
      validated++;
      done();
    });
    await app.register(portcullis, verifierOptions(issuer));
    app.post('/orders', whoami);
    const payload = JSON.stringify({ items: Array.from({ length: 20_000 }, (_, i) => ({ sku: `sku-${i}`, quantity: i })) });
    expect(payload.length).toBeGreaterThan(500_000);

    const refused = await app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'application/json' }, payload });
    expect(refused.statusCode).toBe(401);
    expect({ parsed, validated }).toEqual({ parsed: 0, validated: 0 });

    const accepted = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json', ...bearer(issuer.mint()) },
      payload,
    });
    expect(accepted.statusCode).toBe(200);
    expect({ parsed, validated }).toEqual({ parsed: 1, validated: 1 });
  });
});

describe('verifier ownership', () => {
  it('two registrations sharing one verifier fetch the JWKS once', async () => {
    const verifier = sharedVerifier();
    const app = newApp();
    await app.register(async (orders) => {
      await orders.register(portcullis, { verifier });
      orders.get('/orders', whoami);
    });
    await app.register(async (reports) => {
      await reports.register(portcullis, { verifier, optional: true });
      reports.get('/reports', whoami);
    });
    issuer.resetStats();
    const token = issuer.mint();
    expect((await app.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/reports', headers: bearer(token) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/reports' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/orders' })).statusCode).toBe(401);
    expect(issuer.stats.jwksRequests).toBe(1);
  });

  it('a shared verifier stays open after the app closes', async () => {
    const verifier = sharedVerifier();
    const app = newApp();
    await app.register(portcullis, { verifier });
    app.get('/me', whoami);
    expect((await app.inject({ url: '/me', headers: bearer(issuer.mint()) })).statusCode).toBe(200);
    await app.close();
    await expect(verifier.verify(issuer.mint({ sub: 'after-close' }))).resolves.toMatchObject({ subject: 'after-close' });
  });

  it('the verifier the plugin created is closed with the app: an in-flight JWKS fetch is aborted', async () => {
    const signals: AbortSignal[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      if (init?.signal) signals.push(init.signal);
      return fetch(input, init);
    };
    issuer.setJwksMode('hang');
    const app = newApp();
    await app.register(portcullis, verifierOptions(issuer, { jwks: { fetch: recordingFetch, timeout: 15_000 } }));
    app.get('/me', whoami);
    const pending = app.inject({ url: '/me', headers: bearer(issuer.mint()) });
    for (let i = 0; i < 200 && signals.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(false);
    await app.close();
    expect(signals[0]!.aborted).toBe(true);
    expect((await pending).statusCode).toBe(503);
  });
});

describe('options', () => {
  it.each([
    ['errors is not respond or pass', { errors: 'throw' }, /option "errors"/],
    ['optional is not a boolean', { optional: 'yes' }, /option "optional"/],
    ['allowFormBodyToken is on', { allowFormBodyToken: true }, /allowFormBodyToken/],
    ['the issuer is missing', { issuer: undefined }, /"issuer"/],
    ['a plugin option is misspelt', { optinal: true }, /option "optinal" is not a known option \(did you mean "optional"\?\)/],
    ['a verifier option is misspelt', { clockTolerence: 5 }, /option "clockTolerence" is not a known option \(did you mean "clockTolerance"\?\)/],
    ['a jwks option is misspelt', { jwks: { cooldwn: 1 } }, /option "jwks\.cooldwn" is not a known option \(did you mean "jwks\.cooldown"\?\)/],
  ])('TypeError at ready() when %s', async (_name, extra, message) => {
    const app = newApp();
    void app.register(portcullis, { ...verifierOptions(issuer), ...extra } as never);
    await expect(app.ready()).rejects.toThrow(message);
  });

  it('TypeError when a shared verifier is combined with verifier options', async () => {
    const app = newApp();
    void app.register(portcullis, { verifier: sharedVerifier(), audience: 'other' } as never);
    await expect(app.ready()).rejects.toThrow(/"audience" cannot be combined with "verifier"/);
  });

  it('TypeError naming the misspelt key next to a shared verifier', async () => {
    const app = newApp();
    void app.register(portcullis, { verifier: sharedVerifier(), erors: 'pass' } as never);
    await expect(app.ready()).rejects.toThrow(/option "erors" is not a known option \(did you mean "errors"\?\)/);
  });

  it('TypeError when verifier is not a verifier', async () => {
    const app = newApp();
    void app.register(portcullis, { verifier: { verify: () => undefined } } as never);
    await expect(app.ready()).rejects.toThrow(/option "verifier"/);
  });
});

describe('over real HTTP', () => {
  it('answers 200 with a token and 401 with a challenge without, on a listening server', async () => {
    const app = await protectedApp();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const ok = await fetch(`${address}/me`, { headers: bearer(issuer.mint({ sub: 'over-http' })) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ auth: { subject: 'over-http' } });
    const refused = await fetch(`${address}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="orders-api", DPoP realm="orders-api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await refused.text()).toBe(JSON.stringify(errorResponse(new CredentialsRequiredError('orders-api')).body));
  });
});
