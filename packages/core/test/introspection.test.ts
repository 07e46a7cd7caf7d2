import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDpopKey, createDpopProof, startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  AuthError,
  IntrospectionUnavailableError,
  InvalidTokenError,
  MemoryIntrospectionCache,
  createVerifier,
  type IntrospectionCacheFailedEvent,
  type IntrospectionCompletedEvent,
  type IntrospectionCacheStore,
  type IntrospectionFailedEvent,
  type IntrospectionOptions,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';

const API = { clientId: 'orders-api', clientSecret: 'orders-api-secret: with %, + and spaces' };
const open: Verifier[] = [];
let issuer: FakeIssuer;
let jwtIssuer: FakeIssuer;

beforeAll(async () => {
  issuer = await startFakeIssuer({
    clients: [
      { ...API, scopes: [] },
      { clientId: 'banking-app', clientSecret: 'banking-secret', scopes: ['accounts:read'], tokenFormat: 'opaque' },
    ],
  });
  jwtIssuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
  await jwtIssuer.close();
});
afterEach(() => {
  for (const verifier of open.splice(0)) verifier.close();
  issuer.setIntrospectionMode('up');
  issuer.setMetadataMode('up');
  issuer.resetStats();
  vi.useRealTimers();
});

function verifierFor(introspection: Partial<IntrospectionOptions> = {}, extra: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({
    issuer: [
      { issuer: issuer.url, introspection: { ...API, endpoint: issuer.introspectionEndpoint, ...introspection } },
      { issuer: jwtIssuer.url, jwksUri: jwtIssuer.jwksUri },
    ],
    audience: issuer.audience,
    ...extra,
  } as VerifierOptions);
  open.push(verifier);
  return verifier;
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** A loopback server that answers every POST with one fixed status and body, for answers the fake issuer never gives. */
async function fixedServer(status: number, body: string, contentType = 'application/json'): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('happy flow', () => {
  it('an opaque token is introspected and becomes the same AccessToken, with format opaque', async () => {
    const token = issuer.mintOpaque({ scope: 'orders:read orders:write', sub: 'user-7', client_id: 'banking-app' });
    const auth = await verifierFor().verify(token);
    expect(auth.format).toBe('opaque');
    expect(auth.token).toBe(token);
    expect(auth.scopes).toEqual(['orders:read', 'orders:write']);
    expect(auth.subject).toBe('user-7');
    expect(auth.clientId).toBe('banking-app');
    expect(auth.issuer).toBe(issuer.url);
    expect(auth.audience).toEqual([issuer.audience]);
    expect(auth.header).toEqual({ alg: '' });
    expect(auth.claims.active).toBe(true);
    expect(Math.abs(auth.expiresAt.getTime() - (Date.now() + 300_000))).toBeLessThan(5_000);
    expect(issuer.stats.introspectionRequests).toBe(1);
  });

  it('an opaque token from the token endpoint (client credentials, secret in the POST body) is accepted', async () => {
    const response = await fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=banking-app&client_secret=banking-secret',
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const auth = await verifierFor().verify(token);
    expect(auth.clientId).toBe('banking-app');
    expect(auth.scopes).toEqual(['accounts:read']);
  });

  it('client_secret_post authenticates as well as client_secret_basic (with a secret that needs form encoding)', async () => {
    const token = issuer.mintOpaque();
    await expect(verifierFor({ authMethod: 'client_secret_post' }).verify(token)).resolves.toMatchObject({ format: 'opaque' });
    await expect(verifierFor({ authMethod: 'client_secret_basic' }).verify(token)).resolves.toMatchObject({ format: 'opaque' });
  });

  it('without endpoint, the introspection_endpoint of the issuer metadata is used', async () => {
    const verifier = verifierFor({ endpoint: undefined });
    await verifier.verify(issuer.mintOpaque());
    expect(issuer.stats.metadataRequests).toBeGreaterThanOrEqual(1);
    expect(verifier.stats().introspection[issuer.url]!.endpoint).toBe(issuer.introspectionEndpoint);
  });

  it('a JWT of a JWT issuer takes the JWT path: no introspection call', async () => {
    const auth = await verifierFor().verify(jwtIssuer.mint({ aud: issuer.audience }));
    expect(auth.format).toBe('jwt');
    expect(issuer.stats.introspectionRequests).toBe(0);
  });

  it('a compact JWS whose iss is the introspecting issuer is verified locally by default (no introspection call)', async () => {
    const auth = await verifierFor().verify(issuer.mint({ scope: 'orders:read' }));
    expect(auth.format).toBe('jwt');
    expect(auth.scopes).toEqual(['orders:read']);
    expect(issuer.stats.introspectionRequests).toBe(0);
  });

  it("introspect: 'all': a compact JWS whose iss is the introspecting issuer is introspected (format jwt)", async () => {
    const verifier = createVerifier({
      issuer: [{ issuer: issuer.url, introspect: 'all', introspection: { ...API, endpoint: issuer.introspectionEndpoint } }],
      audience: issuer.audience,
    });
    open.push(verifier);
    const auth = await verifier.verify(issuer.mint({ scope: 'orders:read' }));
    expect(auth.format).toBe('jwt');
    expect(auth.header.typ).toBe('at+jwt');
    expect(auth.scopes).toEqual(['orders:read']);
    expect(issuer.stats.introspectionRequests).toBe(1);
  });

  it('jwtResponse: an RFC 9701 signed answer is verified with the issuer keys and accepted', async () => {
    const auth = await verifierFor({ jwtResponse: true }).verify(issuer.mintOpaque({ scope: 'orders:read' }));
    expect(auth.scopes).toEqual(['orders:read']);
    expect(issuer.stats.jwksRequests).toBeGreaterThanOrEqual(1);
  });

  it('requireAudience: false accepts a response without aud', async () => {
    await expect(verifierFor({ requireAudience: false }).verify(issuer.mintOpaque({ aud: undefined }))).resolves.toMatchObject({ audience: [] });
  });

  it('a DPoP token_type with cnf.jkt is accepted with a proof of that key, and cnf is carried on the AccessToken', async () => {
    const key = createDpopKey();
    const token = issuer.mintOpaque({ token_type: 'DPoP', cnf: { jkt: key.thumbprint } });
    const proof = createDpopProof({ key, htm: 'GET', htu: 'http://api.example.com/orders', accessToken: token });
    const auth = await verifierFor().verify({ method: 'GET', url: '/orders', headers: { host: 'api.example.com', authorization: `DPoP ${token}`, dpop: proof } });
    expect(auth.cnf).toEqual({ jkt: key.thumbprint });
    expect(auth.format).toBe('opaque');
  });

  it('error flow: an introspected DPoP-bound token is refused as a bearer token and without its proof', async () => {
    const key = createDpopKey();
    const token = issuer.mintOpaque({ token_type: 'DPoP', cnf: { jkt: key.thumbprint } });
    const verifier = verifierFor();
    await expect(verifier.verify({ method: 'GET', url: '/orders', headers: { host: 'api.example.com', authorization: `Bearer ${token}` } })).rejects.toMatchObject({
      status: 401,
      reason: 'dpop_bound_token_as_bearer',
    });
    await expect(verifier.verify({ method: 'GET', url: '/orders', headers: { host: 'api.example.com', authorization: `DPoP ${token}` } })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
    });
  });

  it('a response as oidc-provider sends it (a single-string aud, no sub, no jti) is accepted', async () => {
    const auth = await verifierFor().verify(issuer.mintOpaque({ sub: undefined, jti: undefined, client_id: 'svc' }));
    expect(auth.subject).toBeUndefined();
    expect(auth.clientId).toBe('svc');
  });
});

describe('error flow: the response', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['active is the string "true"', { active: 'true' }, 'invalid_claim'],
    ['iss names another issuer', { iss: 'https://other.example.com' }, 'invalid_issuer'],
    ['aud names another API', { aud: 'https://other.example.com' }, 'invalid_audience'],
    ['aud is absent (a refresh token passes no other check)', { aud: undefined }, 'invalid_audience'],
    ['aud is a number', { aud: 7 }, 'invalid_claim'],
    ['token_use says refresh_token (Ory Hydra)', { token_use: 'refresh_token' }, 'invalid_type'],
    ['token_type is refresh_token', { token_type: 'refresh_token' }, 'invalid_type'],
    ['typ is Refresh (Keycloak)', { typ: 'Refresh' }, 'invalid_type'],
    ['token_type DPoP without cnf.jkt', { token_type: 'DPoP' }, 'invalid_claim'],
    ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 600 }, 'not_yet_valid'],
    ['iat in the future', { iat: Math.floor(Date.now() / 1000) + 600 }, 'issued_in_future'],
    ['exp is a string', { exp: 'tomorrow' }, 'invalid_claim'],
    ['scope is a number', { scope: 42 }, 'invalid_claim'],
    ['cnf is a string', { cnf: 'x' }, 'invalid_claim'],
  ];
  it.each(cases)('401 invalid_token when %s', async (_name, claims, reason) => {
    const error = await refusal(verifierFor().verify(issuer.mintOpaque(claims)));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.status).toBe(401);
    expect(error.reason).toBe(reason);
  });

  it('401 token_inactive for an unknown token, a revoked one and an expired one', async () => {
    const verifier = verifierFor({ cacheTtl: 0 });
    expect((await refusal(verifier.verify('FOEtUHwg0das9PhsasVmgMGbZn7nWSgK'))).reason).toBe('token_inactive');
    const revoked = issuer.mintOpaque();
    issuer.revoke(revoked);
    expect((await refusal(verifier.verify(revoked))).reason).toBe('token_inactive');
    expect((await refusal(verifier.verify(issuer.mintOpaque({}, { lifetime: -60 })))).reason).toBe('token_inactive');
  });

  it('two requests sharing one in-flight introspection each get their own refusal, challenged in their own scheme', async () => {
    const verifier = verifierFor({ cacheTtl: 0 });
    const token = 'FOEtUHwg0das9PhsasVmgMGbZn7nWSgL';
    const key = createDpopKey();
    const proof = createDpopProof({ key, htm: 'GET', htu: 'http://api.example.com/orders', accessToken: token });
    const asBearer = verifier.verify({ method: 'GET', url: '/orders', headers: { host: 'api.example.com', authorization: `Bearer ${token}` } });
    const asDpop = verifier.verify({ method: 'GET', url: '/orders', headers: { host: 'api.example.com', authorization: `DPoP ${token}`, dpop: proof } });
    const [bearerError, dpopError] = await Promise.all([refusal(asBearer), refusal(asDpop)]);
    expect(issuer.stats.introspectionRequests).toBe(1);
    expect(bearerError).not.toBe(dpopError);
    expect(bearerError).toBeInstanceOf(InvalidTokenError);
    expect(dpopError).toBeInstanceOf(InvalidTokenError);
    expect([bearerError.reason, dpopError.reason]).toEqual(['token_inactive', 'token_inactive']);
    expect(dpopError.message).toBe(bearerError.message);
    expect(dpopError.message).not.toBe('');
    expect(bearerError.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(dpopError.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token"/);
    expect(verifier.stats()).toMatchObject({ rejected: 2, rejectedByReason: { token_inactive: 2 } });
  });

  it('a compact JWS with an unknown iss is refused with no introspection request', async () => {
    const error = await refusal(verifierFor().verify(issuer.mint({ iss: 'https://attacker.example.com' })));
    expect(error.reason).toBe('invalid_issuer');
    expect(issuer.stats.introspectionRequests).toBe(0);
  });

  it('jwtResponse: a plain JSON answer (a downgrade) is refused like a bad signature', async () => {
    issuer.setIntrospectionMode('plain-json');
    const error = await refusal(verifierFor({ jwtResponse: true }).verify(issuer.mintOpaque()));
    expect(error.status).toBe(401);
    expect(error.reason).toBe('invalid_signature');
  });

  it('jwtResponse: a signed answer addressed to another client is refused', async () => {
    issuer.addClient({ clientId: 'other-api', clientSecret: 'other-secret', scopes: [] });
    // The fake addresses its answer to the caller; a verifier that expects another client id must refuse.
    const verifier = createVerifier({
      issuer: [{ issuer: issuer.url, introspection: { clientId: 'other-api', clientSecret: 'other-secret', endpoint: issuer.introspectionEndpoint, jwtResponse: true } }],
      audience: issuer.audience,
    });
    open.push(verifier);
    await expect(verifier.verify(issuer.mintOpaque())).resolves.toMatchObject({ format: 'opaque' });
    const fixed = await fixedServer(200, issuer.mint({}, { header: { typ: 'token-introspection+jwt' } }), 'application/token-introspection+jwt');
    try {
      const error = await refusal(verifierFor({ endpoint: fixed.url, jwtResponse: true }).verify(issuer.mintOpaque()));
      expect(error.status).toBe(401);
    } finally {
      await fixed.close();
    }
  });

  it('a 400 unsupported_token_type about the token is a 401, a 400 invalid_client is a 503', async () => {
    const unsupported = await fixedServer(400, '{"error":"unsupported_token_type"}');
    const badClient = await fixedServer(400, '{"error":"invalid_client"}');
    try {
      const refused = await refusal(verifierFor({ endpoint: unsupported.url }).verify('opaque-token-abcdefghijklmnopqrstuvwxyz'));
      expect(refused.status).toBe(401);
      expect(refused.reason).toBe('introspection_refused');
      const unavailable = await refusal(verifierFor({ endpoint: badClient.url }).verify('opaque-token-abcdefghijklmnopqrstuvwxyz'));
      expect(unavailable).toBeInstanceOf(IntrospectionUnavailableError);
    } finally {
      await unsupported.close();
      await badClient.close();
    }
  });

  // The README's table "What a non-200 introspection answer becomes", row by row.
  const NON_200: [number, string, 401 | 503, string | undefined][] = [
    [400, '{"error":"invalid_token"}', 401, undefined],
    [400, '{"error":"unsupported_token_type"}', 401, undefined],
    [400, '{"error":"invalid_request","error_description":"client_id and client_secret in the authorization header are not properly encoded"}', 503, 'status'],
    [400, '{"error":"invalid_client"}', 503, 'unauthorized'],
    [400, '{"error":"unauthorized_client"}', 503, 'unauthorized'],
    [400, '{"error":"invalid_scope"}', 503, 'status'],
    [400, '{"error":42}', 503, 'status'],
    [400, 'Bad Request', 503, 'status'],
    [400, '{}', 503, 'status'],
    [401, '{"error":"invalid_client"}', 503, 'unauthorized'],
    [403, '{"error":"invalid_token"}', 503, 'unauthorized'],
    [404, '{"error":"invalid_token"}', 503, 'status'],
    [405, '', 503, 'status'],
    [413, '{"error":"invalid_request"}', 503, 'status'],
    [429, '{"error":"invalid_token"}', 503, 'status'],
    [500, '{"error":"invalid_token"}', 503, 'status'],
    [502, '', 503, 'status'],
    [503, '', 503, 'status'],
  ];
  it.each(NON_200)('HTTP %i %s: the API answers %i (introspection_failed kind %s)', async (status, body, expected, kind) => {
    const server = await fixedServer(status, body);
    try {
      const events: IntrospectionFailedEvent[] = [];
      const verifier = verifierFor({ endpoint: server.url });
      verifier.on('introspection_failed', (event) => events.push(event));
      const error = await refusal(verifier.verify('opaque-token-abcdefghijklmnopqrstuvwxyz'));
      expect(error.status).toBe(expected);
      if (expected === 401) {
        expect(error.reason).toBe('introspection_refused');
        expect(events).toEqual([]);
      } else {
        expect(error).toBeInstanceOf(IntrospectionUnavailableError);
        expect(events.map((event) => [event.kind, event.status])).toEqual([[kind, status]]);
      }
    } finally {
      await server.close();
    }
  });

  it('503 with Retry-After when our own credentials are refused, and the secret appears in no error or event', async () => {
    const events: IntrospectionFailedEvent[] = [];
    const verifier = verifierFor({ clientSecret: 'wrong-secret-value-1234' });
    verifier.on('introspection_failed', (event) => events.push(event));
    const error = await refusal(verifier.verify(issuer.mintOpaque()));
    expect(error).toBeInstanceOf(IntrospectionUnavailableError);
    expect(error.status).toBe(503);
    expect(error.code).toBe('introspection_unavailable');
    expect(error.headers['Retry-After']).toMatch(/^\d+$/);
    expect(error.headers['Cache-Control']).toBe('no-store');
    expect(error.headers['WWW-Authenticate']).toBeUndefined();
    expect(error.toJSON()).toEqual({ error: 'introspection_unavailable', error_description: 'the token cannot be checked at the moment' });
    expect(events).toHaveLength(1);
    expect(events[0]!.kind).toBe('unauthorized');
    expect(events[0]!.status).toBe(401);
    const shown = JSON.stringify([String(error), String(error.cause), events[0]!.error.message, String(events[0]!.error.cause)]);
    expect(shown).not.toContain('wrong-secret-value-1234');
  });

  it('503 when discovery finds no introspection_endpoint, with a discovery_failed event', async () => {
    issuer.setMetadataMode('empty');
    const verifier = verifierFor({ endpoint: undefined });
    const failures: unknown[] = [];
    verifier.on('discovery_failed', (event) => failures.push(event));
    expect(await refusal(verifier.verify(issuer.mintOpaque()))).toBeInstanceOf(IntrospectionUnavailableError);
    expect(failures).toHaveLength(1);
    expect(issuer.stats.introspectionRequests).toBe(0);
  });
});

describe('caching', () => {
  it('a second request with the same token is answered from the cache: one call, one hit', async () => {
    const verifier = verifierFor();
    const token = issuer.mintOpaque();
    await verifier.verify(token);
    await verifier.verify(token);
    expect(issuer.stats.introspectionRequests).toBe(1);
    const stats = verifier.stats().introspection[issuer.url]!;
    expect(stats).toMatchObject({ calls: 1, active: 1, cacheHits: 1, cacheMisses: 1, failures: 0 });
  });

  it('introspection_completed reports each call (active or not) without the token, and stats count them', async () => {
    const verifier = verifierFor();
    const events: IntrospectionCompletedEvent[] = [];
    verifier.on('introspection_completed', (event) => events.push(event));
    const token = issuer.mintOpaque();
    await verifier.verify(token);
    await refusal(verifier.verify('unknown-token-0123456789abcdefghij'));
    expect(events.map((e) => [e.issuer, e.endpoint, e.active])).toEqual([
      [issuer.url, issuer.introspectionEndpoint, true],
      [issuer.url, issuer.introspectionEndpoint, false],
    ]);
    for (const event of events) expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(events)).not.toContain(token);
    expect(verifier.stats().introspection[issuer.url]).toMatchObject({ calls: 2, active: 1, refused: 1, failures: 0, inFlight: 0 });
    expect(verifier.stats().rejectedByReason.token_inactive).toBe(1);
  });

  it('cacheTtl 0 turns the cache off: every request is a call', async () => {
    const verifier = verifierFor({ cacheTtl: 0 });
    const token = issuer.mintOpaque();
    await verifier.verify(token);
    await verifier.verify(token);
    expect(issuer.stats.introspectionRequests).toBe(2);
  });

  it('inactive results are not cached', async () => {
    const verifier = verifierFor();
    await refusal(verifier.verify('not-a-real-token-0123456789abcdef'));
    await refusal(verifier.verify('not-a-real-token-0123456789abcdef'));
    expect(issuer.stats.introspectionRequests).toBe(2);
  });

  it('the store sees a SHA-256 base64url key of endpoint, client and token, never the token, and JSON of the members', async () => {
    const seen: { key: string; value: string; ttlMs: number }[] = [];
    const inner = new MemoryIntrospectionCache();
    const store: IntrospectionCacheStore = {
      get: (key) => inner.get(key),
      set: (key, value, ttlMs) => {
        seen.push({ key, value, ttlMs });
        return inner.set(key, value, ttlMs);
      },
    };
    const token = issuer.mintOpaque({ scope: 'orders:read' });
    await verifierFor({ cacheStore: store }).verify(token);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.key).toMatch(/^introspection:[A-Za-z0-9_-]{43}$/);
    expect(seen[0]!.key).not.toContain(token);
    expect(JSON.parse(seen[0]!.value)).toMatchObject({ active: true, scope: 'orders:read' });
    expect(seen[0]!.ttlMs).toBeLessThanOrEqual(30_000);
    expect(seen[0]!.ttlMs).toBeGreaterThan(25_000);
  });

  it('the answer waits for the store to take the entry, so another instance sharing the store finds it', async () => {
    const inner = new MemoryIntrospectionCache();
    let stored = false;
    const store: IntrospectionCacheStore = {
      get: (key) => inner.get(key),
      // A store that takes 50 ms to acknowledge a write, like a remote one under load.
      set: async (key, value, ttlMs) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await inner.set(key, value, ttlMs);
        stored = true;
      },
    };
    const token = issuer.mintOpaque({ scope: 'orders:read' });
    await verifierFor({ cacheStore: store }).verify(token);
    expect(stored).toBe(true);
    // A second verifier (another instance) over the same store: answered from it, no second request.
    await expect(verifierFor({ cacheStore: store }).verify(token)).resolves.toMatchObject({ format: 'opaque' });
    expect(issuer.stats.introspectionRequests).toBe(1);
  });

  it('when the store failed the get, the answer does not also wait for its set', async () => {
    let sets = 0;
    const store: IntrospectionCacheStore = {
      get: () => Promise.reject(new Error('redis down')),
      set: () => {
        sets++;
        return new Promise(() => undefined);
      },
    };
    const verifier = verifierFor({ cacheStore: store, timeout: 5_000 });
    const started = performance.now();
    await expect(verifier.verify(issuer.mintOpaque())).resolves.toMatchObject({ format: 'opaque' });
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(sets).toBe(1);
  });

  it('a store whose set throws synchronously costs only the cache entry', async () => {
    const inner = new MemoryIntrospectionCache();
    const store: IntrospectionCacheStore = {
      get: (key) => inner.get(key),
      set: () => {
        throw new Error('not connected');
      },
    };
    const verifier = verifierFor({ cacheStore: store });
    const events: IntrospectionCacheFailedEvent[] = [];
    verifier.on('introspection_cache_failed', (event) => events.push(event));
    await expect(verifier.verify(issuer.mintOpaque())).resolves.toMatchObject({ format: 'opaque' });
    expect(events.map((e) => e.operation)).toEqual(['set']);
  });

  it('a store that rejects falls through to the server and emits introspection_cache_failed without the token', async () => {
    const store: IntrospectionCacheStore = {
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.reject(new Error('redis down')),
    };
    const verifier = verifierFor({ cacheStore: store });
    const events: IntrospectionCacheFailedEvent[] = [];
    verifier.on('introspection_cache_failed', (event) => events.push(event));
    const token = issuer.mintOpaque();
    await expect(verifier.verify(token)).resolves.toMatchObject({ format: 'opaque' });
    await vi.waitFor(() => expect(events.map((e) => e.operation).sort()).toEqual(['get', 'set']));
    expect(JSON.stringify(events.map((e) => [e.issuer, e.error.message]))).not.toContain(token);
    expect(verifier.stats().introspection[issuer.url]!.cacheFailures).toBe(2);
  });

  it('a store that never answers is given up after the timeout, and then the server answers', async () => {
    const store: IntrospectionCacheStore = { get: () => new Promise(() => undefined), set: () => Promise.resolve() };
    const verifier = verifierFor({ cacheStore: store, timeout: 1_000 });
    const events: IntrospectionCacheFailedEvent[] = [];
    verifier.on('introspection_cache_failed', (event) => events.push(event));
    const started = performance.now();
    await expect(verifier.verify(issuer.mintOpaque())).resolves.toMatchObject({ format: 'opaque' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(3_000);
    expect(events.map((e) => e.operation)).toEqual(['get']);
    expect(issuer.stats.introspectionRequests).toBe(1);
  });

  it('a revoked token is refused once its cache entry ends (cacheTtl), not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = verifierFor({ cacheTtl: 30 });
    const token = issuer.mintOpaque();
    await verifier.verify(token);
    issuer.revoke(token);
    vi.setSystemTime(Date.now() + 29_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ format: 'opaque' });
    vi.setSystemTime(Date.now() + 2_000);
    expect((await refusal(verifier.verify(token))).reason).toBe('token_inactive');
    expect(issuer.stats.introspectionRequests).toBe(2);
  });

  it('an expired token is refused at its exp, even with a cache entry left (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = verifierFor({ cacheTtl: 3_600 }, { clockTolerance: 0 });
    const token = issuer.mintOpaque({}, { lifetime: 20 });
    await verifier.verify(token);
    vi.setSystemTime(Date.now() + 19_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ format: 'opaque' });
    vi.setSystemTime(Date.now() + 1_500);
    const error = await refusal(verifier.verify(token));
    expect(error.status).toBe(401);
    expect(issuer.stats.introspectionRequests).toBeLessThanOrEqual(2);
  });

  it('a cached entry is checked again on every hit: a store holding an expired answer does not let it through', async () => {
    const past = Math.floor(Date.now() / 1000) - 100;
    const store: IntrospectionCacheStore = {
      get: () => Promise.resolve(JSON.stringify({ active: true, iss: issuer.url, aud: issuer.audience, exp: past })),
      set: () => Promise.resolve(),
    };
    expect((await refusal(verifierFor({ cacheStore: store }).verify(issuer.mintOpaque()))).reason).toBe('expired');
    expect(issuer.stats.introspectionRequests).toBe(0);
  });
});

describe("introspect: 'always'", () => {
  it('a JWT is verified locally and introspected: refused once revoked (cacheTtl 0)', async () => {
    const verifier = createVerifier({
      issuer: [{ issuer: issuer.url, jwksUri: issuer.jwksUri, introspect: 'always', introspection: { ...API, endpoint: issuer.introspectionEndpoint, cacheTtl: 0 } }],
      audience: issuer.audience,
    });
    open.push(verifier);
    const token = issuer.mint();
    await expect(verifier.verify(token)).resolves.toMatchObject({ format: 'jwt' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ format: 'jwt' });
    issuer.revoke(token);
    expect((await refusal(verifier.verify(token))).reason).toBe('token_inactive');
    expect(issuer.stats.introspectionRequests).toBe(3);
    // Such an issuer takes no opaque tokens: they stay "not a compact JWS", with no call.
    expect((await refusal(verifier.verify(issuer.mintOpaque()))).reason).toBe('malformed_token');
    expect(issuer.stats.introspectionRequests).toBe(3);
  });
});

describe('options are checked at construction', () => {
  const base = (introspection: unknown, more: object = {}) => () =>
    createVerifier({ issuer: [{ issuer: 'https://as.example.com', introspection, ...more } as never], audience: 'api' });
  it.each<[string, unknown, RegExp]>([
    ['an unknown key', { ...API, cachTtl: 5 }, /"issuer\[0\]\.introspection\.cachTtl" is not a known option \(did you mean "issuer\[0\]\.introspection\.cacheTtl"\?\)/],
    ['no clientId', { clientSecret: 's' }, /issuer\[0\]\.introspection\.clientId/],
    ['no clientSecret', { clientId: 'a' }, /issuer\[0\]\.introspection\.clientSecret/],
    ['plain http off loopback', { ...API, endpoint: 'http://as.example.com/introspect' }, /issuer\[0\]\.introspection\.endpoint/],
    ['an unknown authMethod', { ...API, authMethod: 'private_key_jwt' }, /issuer\[0\]\.introspection\.authMethod/],
    ['a negative cacheTtl', { ...API, cacheTtl: -1 }, /issuer\[0\]\.introspection\.cacheTtl/],
    ['maxConcurrent 0', { ...API, maxConcurrent: 0 }, /issuer\[0\]\.introspection\.maxConcurrent/],
    ['timeout 0', { ...API, timeout: 0 }, /issuer\[0\]\.introspection\.timeout/],
    ['a cacheStore without get', { ...API, cacheStore: { set() {} } }, /issuer\[0\]\.introspection\.cacheStore/],
    ['jwtResponse as a string', { ...API, jwtResponse: 'yes' }, /issuer\[0\]\.introspection\.jwtResponse/],
  ])('TypeError naming the option for %s', (_name, introspection, message) => {
    expect(base(introspection)).toThrow(TypeError);
    expect(base(introspection)).toThrow(message);
  });

  it('the client secret never appears in an option error', () => {
    expect(base({ clientId: 'a', clientSecret: 'super-secret-value', bogus: 1 })).toThrow(TypeError);
    try {
      base({ clientId: 'a', clientSecret: 'super-secret-value', bogus: 1 })();
    } catch (error) {
      expect(String(error)).not.toContain('super-secret-value');
    }
  });

  it('two issuers taking opaque tokens are a TypeError; a second one with introspect: always is fine', () => {
    const two = () =>
      createVerifier({
        issuer: [
          { issuer: 'https://a.example.com', introspection: API },
          { issuer: 'https://b.example.com', introspection: API },
        ],
        audience: 'api',
      });
    expect(two).toThrow(/issuer\[1\]\.introspection/);
    const ok = createVerifier({
      issuer: [
        { issuer: 'https://a.example.com', introspection: API },
        { issuer: 'https://b.example.com', introspection: API, introspect: 'always' },
      ],
      audience: 'api',
    });
    ok.close();
  });

  it("introspect without introspection, or with another value than 'always', is a TypeError", () => {
    expect(() => createVerifier({ issuer: [{ issuer: 'https://a.example.com', introspect: 'always' }], audience: 'api' })).toThrow(/issuer\[0\]\.introspect/);
    expect(base(API, { introspect: 'sometimes' })).toThrow(/issuer\[0\]\.introspect"/);
  });
});
