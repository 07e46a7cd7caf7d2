import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_INTROSPECTION_JWT, basicAuthorization, startFakeIssuer, type FakeIssuer } from '../src/index.js';

const API = { clientId: 'orders-api', clientSecret: 'orders-api-secret' };
let issuer: FakeIssuer;

beforeAll(async () => {
  issuer = await startFakeIssuer({
    clients: [
      { ...API, scopes: [] },
      { clientId: 'opaque-client', clientSecret: 'opaque-secret', scopes: ['orders:read'], tokenFormat: 'opaque' },
    ],
  });
});
afterAll(async () => {
  await issuer.close();
});
afterEach(() => {
  issuer.setIntrospectionMode('up');
  issuer.resetStats();
});

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(API.clientId, API.clientSecret), ...headers },
    body,
  });
}
const introspect = (token: string, headers: Record<string, string> = {}) => post(issuer.introspectionEndpoint, `token=${encodeURIComponent(token)}`, headers);

describe('opaque tokens', () => {
  it('happy flow: mintOpaque gives 43 random base64url characters, introspected with its claims', async () => {
    const token = issuer.mintOpaque({ scope: 'orders:read', sub: 'user-1' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issuer.mintOpaque()).not.toBe(token);
    const response = await introspect(token);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ active: true, iss: issuer.url, aud: issuer.audience, scope: 'orders:read', sub: 'user-1', token_type: 'Bearer' });
    expect(typeof body.exp).toBe('number');
    expect(issuer.stats.introspectionRequests).toBe(1);
  });

  it('happy flow: a client registered with tokenFormat opaque gets an opaque token from the token endpoint', async () => {
    const response = await fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=opaque-client&client_secret=opaque-secret',
    });
    const { access_token: token, token_type: type } = (await response.json()) as { access_token: string; token_type: string };
    expect(type).toBe('Bearer');
    expect(token).not.toContain('.');
    expect(await (await introspect(token)).json()).toMatchObject({ active: true, client_id: 'opaque-client', scope: 'orders:read' });
  });

  it('happy flow: a JWT of this issuer introspects as active with its claims', async () => {
    const body = (await (await introspect(issuer.mint({ scope: 'x' }))).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ active: true, iss: issuer.url, scope: 'x' });
  });

  it('error flow: unknown, expired and revoked tokens, and forged JWTs, are {"active":false} and nothing more', async () => {
    const revoked = issuer.mintOpaque();
    issuer.revoke(revoked);
    const revokedJwt = issuer.mint();
    issuer.revoke(revokedJwt);
    for (const token of ['no-such-token', issuer.mintOpaque({}, { lifetime: -1 }), revoked, revokedJwt, issuer.mint({}, { key: 'attacker' })]) {
      expect(await (await introspect(token)).json()).toEqual({ active: false });
    }
  });
});

describe('caller authentication', () => {
  it('happy flow: client_secret_post works too', async () => {
    const response = await fetch(issuer.introspectionEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${issuer.mintOpaque()}&client_id=${API.clientId}&client_secret=${API.clientSecret}`,
    });
    expect(await response.json()).toMatchObject({ active: true });
  });

  it('error flow: 401 invalid_client without authentication or with a wrong secret; 400 for two methods or no token', async () => {
    const none = await fetch(issuer.introspectionEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=abc' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await none.json()).toMatchObject({ error: 'invalid_client' });
    const wrong = await post(issuer.introspectionEndpoint, 'token=abc', { authorization: basicAuthorization(API.clientId, 'wrong') });
    expect(wrong.status).toBe(401);
    const both = await post(issuer.introspectionEndpoint, `token=abc&client_id=${API.clientId}&client_secret=${API.clientSecret}`);
    expect(both.status).toBe(400);
    expect((await post(issuer.introspectionEndpoint, 'token_type_hint=access_token')).status).toBe(400);
    expect((await fetch(issuer.introspectionEndpoint)).status).toBe(405);
  });
});

describe('RFC 9701 signed answers', () => {
  it('happy flow: Accept token-introspection+jwt gets a JWT signed with a published key, aud the caller', async () => {
    const response = await introspect(issuer.mintOpaque({ scope: 'orders:read' }), { accept: TOKEN_INTROSPECTION_JWT });
    expect(response.headers.get('content-type')).toBe(TOKEN_INTROSPECTION_JWT);
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload, protectedHeader } = await jwtVerify(await response.text(), createLocalJWKSet(jwks), {
      issuer: issuer.url,
      audience: API.clientId,
      typ: 'token-introspection+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.token_introspection).toMatchObject({ active: true, scope: 'orders:read' });
  });

  it("mode 'plain-json' answers plain JSON even when a JWT was asked for (a downgrade to test against)", async () => {
    issuer.setIntrospectionMode('plain-json');
    const response = await introspect(issuer.mintOpaque(), { accept: TOKEN_INTROSPECTION_JWT });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('revocation (RFC 7009)', () => {
  it('happy flow: the revocation endpoint revokes the caller own token and answers 200, for unknown tokens too', async () => {
    const token = issuer.mintOpaque({ client_id: API.clientId });
    const response = await post(issuer.revocationEndpoint, `token=${token}&token_type_hint=access_token`);
    expect(response.status).toBe(200);
    expect(await (await introspect(token)).json()).toEqual({ active: false });
    expect((await post(issuer.revocationEndpoint, 'token=unknown-token')).status).toBe(200);
    expect(issuer.stats.revocationRequests).toBe(2);
  });

  it("error flow: another client's token is not revoked; no authentication is 401", async () => {
    const token = issuer.mintOpaque({ client_id: 'someone-else' });
    expect((await post(issuer.revocationEndpoint, `token=${token}`)).status).toBe(400);
    expect(await (await introspect(token)).json()).toMatchObject({ active: true });
    const anonymous = await fetch(issuer.revocationEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    expect(anonymous.status).toBe(401);
  });
});

describe('metadata and fault modes', () => {
  it('both metadata documents name the introspection and revocation endpoints', async () => {
    for (const url of [issuer.metadataUrl, issuer.openidConfigurationUrl]) {
      expect(await (await fetch(url)).json()).toMatchObject({
        introspection_endpoint: issuer.introspectionEndpoint,
        revocation_endpoint: issuer.revocationEndpoint,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
  });

  it.each([
    ['down', 503],
    ['error', 500],
    ['unauthorized', 401],
    ['redirect', 302],
  ] as const)("mode '%s' answers %i and is counted", async (mode, status) => {
    issuer.setIntrospectionMode(mode);
    const response = await fetch(issuer.introspectionEndpoint, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(API.clientId, API.clientSecret) },
      body: `token=${issuer.mintOpaque()}`,
    });
    expect(response.status).toBe(status);
    expect(issuer.stats.introspectionRequests).toBe(1);
  });

  it("mode 'garbage' answers a body that is not JSON", async () => {
    issuer.setIntrospectionMode('garbage');
    const text = await (await introspect(issuer.mintOpaque())).text();
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it("mode 'slow' answers normally after the delay", async () => {
    issuer.setIntrospectionMode('slow', { delayMs: 200 });
    const started = performance.now();
    expect(await (await introspect(issuer.mintOpaque())).json()).toMatchObject({ active: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('an unknown mode is a TypeError naming setIntrospectionMode', () => {
    expect(() => issuer.setIntrospectionMode('sideways' as never)).toThrow(/setIntrospectionMode/);
  });

  it('revoke and mintOpaque check their arguments', () => {
    expect(() => issuer.revoke('')).toThrow(TypeError);
    expect(() => issuer.mintOpaque({}, { lifetime: Number.NaN })).toThrow(TypeError);
  });
});
