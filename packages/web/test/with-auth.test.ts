/**
 * `withAuth` called the way Fetch platforms call a handler: with real `Request` objects (and what the
 * platform passes after them), against the fake issuer over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsRequiredError, errorResponse, type AccessToken } from '@portcullis/core';
import { DEFAULT_CLIENT_ID, createDpopKey, createDpopProof, createTestCertificateAuthority, startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier, withAuth, type Verifier } from '../src/index.js';

let issuer: FakeIssuer;
let verifier: Verifier;
const API = 'https://api.example.com';

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, realm: 'api' });
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

const bearer = (token: string, path = '/orders', init: RequestInit = {}) =>
  new Request(`${API}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });

const echo = (_request: Request, auth: AccessToken) => Response.json({ subject: auth.subject, scopes: auth.scopes });

async function expectRefusal(response: Response, status: number, challenge: RegExp | string | undefined): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const header = response.headers.get('www-authenticate');
  if (challenge === undefined) expect(header).toBeNull();
  else if (typeof challenge === 'string') expect(header).toBe(challenge);
  else expect(header).toMatch(challenge);
  const body = (await response.json()) as Record<string, unknown>;
  // A 401 whose challenge has no error code (no credential, RFC 6750 §3.1) has no `error` member either.
  const bare = status === 401 && header !== null && !header.includes('error=');
  expect(Object.keys(body).sort()).toEqual(bare ? ['error_description'] : ['error', 'error_description']);
  return body;
}

describe('withAuth: happy flow', () => {
  it('calls the handler with the request, the verified token and what the platform passes after the request', async () => {
    const seen: unknown[] = [];
    const handler = withAuth(verifier, (request: Request, auth: AccessToken, env: { name: string }, ctx: { id: number }) => {
      seen.push(request.url, auth.subject, auth.clientId, env.name, ctx.id);
      return new Response('ok');
    });
    const response = await handler(bearer(issuer.mint({ sub: 'svc-1' })), { name: 'worker-env' }, { id: 7 });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(seen).toEqual([`${API}/orders`, 'svc-1', DEFAULT_CLIENT_ID, 'worker-env', 7]);
    expect(handler.verifier).toBe(verifier);
  });

  it('passes a token with every required scope, and one of anyScope', async () => {
    const all = withAuth(verifier, echo, { scopes: ['orders:read', 'orders:write'] });
    const any = withAuth(verifier, echo, { anyScope: ['orders:admin', 'orders:write'] });
    const token = issuer.mint({ scope: 'orders:read orders:write' });
    expect((await all(bearer(token))).status).toBe(200);
    const body = (await (await any(bearer(token))).json()) as { subject: string; scopes: string[] };
    expect(body.scopes).toEqual(['orders:read', 'orders:write']);
  });

  it('builds its own verifier from options and exposes it', async () => {
    const handler = withAuth({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience }, echo);
    try {
      expect((await handler(bearer(issuer.mint()))).status).toBe(200);
      expect(handler.verifier.stats().verified).toBe(1);
    } finally {
      handler.verifier.close();
    }
  });

  it('optional: a request without a credential reaches the handler with auth undefined', async () => {
    const handler = withAuth(verifier, (_request, auth) => Response.json({ authenticated: auth !== undefined }), { optional: true });
    expect(await (await handler(new Request(`${API}/orders`))).json()).toEqual({ authenticated: false });
    expect(await (await handler(bearer(issuer.mint()))).json()).toEqual({ authenticated: true });
  });
});

describe('withAuth: error flow (the answers of every adapter)', () => {
  it('401 with a bare challenge and core\'s body without a credential; the handler does not run', async () => {
    let ran = false;
    const handler = withAuth(verifier, () => {
      ran = true;
      return new Response('ok');
    });
    const response = await handler(new Request(`${API}/orders`));
    // What every Node adapter writes for the same request: core's answer to the verifier's own refusal.
    const refusal: unknown = await verifier.authenticate({ method: 'GET', url: '/orders', headers: { host: 'api.example.com' } }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(CredentialsRequiredError);
    const expected = errorResponse(refusal as CredentialsRequiredError);
    const body = await expectRefusal(response, 401, expected.headers['WWW-Authenticate']);
    expect(body).toEqual(expected.body);
    expect(ran).toBe(false);
  });

  it('401 invalid_token for an expired token, which never shows in the answer', async () => {
    const token = issuer.mint({}, { lifetime: -60 });
    const response = await withAuth(verifier, echo)(bearer(token));
    expect(response.status).toBe(401);
    const text = await response.clone().text();
    expect(text).not.toContain(token);
    await expectRefusal(response, 401, /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/);
  });

  it('403 insufficient_scope naming the required scopes', async () => {
    const response = await withAuth(verifier, echo, { scopes: ['orders:write'] })(bearer(issuer.mint({ scope: 'orders:read' })));
    const body = await expectRefusal(response, 403, /error="insufficient_scope", .*scope="orders:write"$/);
    expect(body.error).toBe('insufficient_scope');
  });

  it('optional: a scoped route without a credential is a bare 401, an invalid token still 401 invalid_token', async () => {
    const handler = withAuth(verifier, (_request, auth) => Response.json({ subject: auth?.subject }), { optional: true, scopes: ['orders:read'] });
    await expectRefusal(await handler(new Request(`${API}/orders`)), 401, /^Bearer realm="api", DPoP realm="api", algs="[A-Za-z0-9 ]+"$/);
    await expectRefusal(await handler(bearer('not-a-jwt')), 401, /error="invalid_token"/);
  });

  it('two Authorization lines, which Fetch folds into one value, are 400 "more than one Authorization header"', async () => {
    const token = issuer.mint();
    const headers = new Headers();
    headers.append('authorization', `Bearer ${token}`);
    headers.append('authorization', `Bearer ${token}`);
    const body = await expectRefusal(await withAuth(verifier, echo)(new Request(`${API}/orders`, { headers })), 400, /error="invalid_request"/);
    expect(body.error_description).toBe('more than one Authorization header');
  });

  it('a trailing comma stays one malformed credential: 400 "not a valid Bearer credential"', async () => {
    const body = await expectRefusal(await withAuth(verifier, echo)(bearer(`${issuer.mint()},`)), 400, /error="invalid_request"/);
    expect(body.error_description).toBe('the Authorization header is not a valid Bearer credential');
  });

  it('503 with Retry-After and no challenge when the keys cannot be had', async () => {
    const down = await startFakeIssuer();
    down.setJwksMode('down');
    const handler = withAuth({ issuer: down.url, jwksUri: down.jwksUri, audience: down.audience, jwks: { timeout: 1000 } }, echo);
    try {
      const response = await handler(bearer(down.mint()));
      await expectRefusal(response, 503, undefined);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      handler.verifier.close();
      await down.close();
    }
  });

  it('an error the handler throws is the platform\'s to handle, not turned into a refusal', async () => {
    const handler = withAuth(verifier, () => {
      throw new Error('boom');
    });
    await expect(handler(bearer(issuer.mint()))).rejects.toThrow('boom');
  });
});

describe('withAuth: options are checked once, by name', () => {
  const handler = () => new Response('ok');
  it('a misspelled route option', () => {
    expect(() => withAuth(verifier, handler, { scope: ['orders:read'] } as never)).toThrow(/option "scope" is not a known option \(did you mean "scopes"\?\)/);
  });
  it('scopes that are not a list, an empty anyScope, a non-boolean optional', () => {
    expect(() => withAuth(verifier, handler, { scopes: 'orders:read' } as never)).toThrow(/option "scopes" must be an array/);
    expect(() => withAuth(verifier, handler, { anyScope: [] })).toThrow(/anyScope: needs at least one scope/);
    expect(() => withAuth(verifier, handler, { optional: 'yes' } as never)).toThrow(/option "optional" must be a boolean/);
  });
  it('no handler, no verifier', () => {
    expect(() => withAuth(verifier, undefined as never)).toThrow(/withAuth\(\) needs a handler/);
    expect(() => withAuth(null as never, handler)).toThrow(/withAuth\(\) needs verifier options or a verifier/);
  });
});

describe('withAuth: sender-constrained tokens', () => {
  it('DPoP: htu is request.url; an accepted DPoP request\'s answer carries DPoP-Nonce, even a Response with immutable headers', async () => {
    const nonceVerifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, dpop: { nonce: true } });
    try {
      const key = createDpopKey();
      const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: key });
      const handler = withAuth(nonceVerifier, () => Response.redirect(`${API}/elsewhere`, 303));
      const ask = (nonce?: string) =>
        handler(new Request(`${API}/orders?page=2`, {
          headers: { authorization: `DPoP ${token}`, dpop: createDpopProof({ key, htm: 'GET', htu: `${API}/orders`, accessToken: token, ...(nonce === undefined ? {} : { nonce }) }) },
        }));
      const first = await ask();
      await expectRefusal(first, 401, /^DPoP .*error="use_dpop_nonce"/);
      const nonce = first.headers.get('dpop-nonce');
      expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
      const second = await ask(nonce!);
      expect(second.status).toBe(303);
      expect(second.headers.get('location')).toBe(`${API}/elsewhere`);
      expect(second.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    } finally {
      nonceVerifier.close();
    }
  });

  it('DPoP: a proof for the http URL is refused when the request URL is https', async () => {
    const key = createDpopKey();
    const token = issuer.mint({}, { dpopKey: key });
    const response = await withAuth(verifier, echo)(new Request(`${API}/orders`, {
      headers: { authorization: `DPoP ${token}`, dpop: createDpopProof({ key, htm: 'GET', htu: 'http://api.example.com/orders', accessToken: token }) },
    }));
    await expectRefusal(response, 401, /^DPoP .*error="invalid_dpop_proof"/);
  });

  it('DPoP: with trustProxy, X-Forwarded-Proto and -Host name the URL instead', async () => {
    const proxied = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, dpop: { trustProxy: true } });
    try {
      const key = createDpopKey();
      const token = issuer.mint({}, { dpopKey: key });
      const response = await withAuth(proxied, echo)(new Request('http://10.0.0.5:8080/orders', {
        headers: {
          authorization: `DPoP ${token}`,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'api.example.com',
          dpop: createDpopProof({ key, htm: 'GET', htu: `${API}/orders`, accessToken: token }),
        },
      }));
      expect(response.status).toBe(200);
    } finally {
      proxied.close();
    }
  });

  it('mTLS: a certificate-bound token passes with the certificate the proxy forwards (mtls.certificateHeader), and not without', async () => {
    const ca = createTestCertificateAuthority();
    const client = ca.issue({ commonName: 'orders-service' });
    const bound = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, mtls: { certificateHeader: 'Client-Cert' } });
    try {
      const token = issuer.mint({}, { certificate: client });
      const handler = withAuth(bound, echo);
      expect((await handler(bearer(token, '/orders', { headers: { 'client-cert': `:${client.der.toString('base64')}:` } }))).status).toBe(200);
      await expectRefusal(await handler(bearer(token)), 401, /error="invalid_token"/);
    } finally {
      bound.close();
    }
  });
});

describe('withAuth: roles and claims', () => {
  it('roles, anyRole and claims: 200 when met, 403 insufficient_scope otherwise', async () => {
    const handler = withAuth(verifier, echo, { roles: ['orders-admin'], anyRole: ['auditor', 'support'], claims: { tenant: 'acme' } });
    expect((await handler(bearer(issuer.mint({ roles: ['orders-admin', 'support'], tenant: 'acme' })))).status).toBe(200);
    await expectRefusal(await handler(bearer(issuer.mint({ roles: ['support'], tenant: 'acme' }))), 403, /error="insufficient_scope"/);
    const body = await expectRefusal(await handler(bearer(issuer.mint({ roles: ['orders-admin', 'support'], tenant: 'globex' }))), 403, /error="insufficient_scope"/);
    expect(JSON.stringify(body)).not.toContain('globex');
  });

  it('a role list that is not a list, an empty anyRole, a bad claim condition: TypeError when declared', () => {
    const handler = () => new Response('ok');
    expect(() => withAuth(verifier, handler, { roles: 'admin' } as never)).toThrow(/option "roles" must be an array of roles/);
    expect(() => withAuth(verifier, handler, { anyRole: [] })).toThrow(/anyRole: needs at least one role/);
    expect(() => withAuth(verifier, handler, { claims: { tenant: [] } } as never)).toThrow(TypeError);
  });
});
