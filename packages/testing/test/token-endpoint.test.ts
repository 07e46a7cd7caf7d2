import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization, startFakeIssuer } from '../src/index.js';
import type { FakeIssuer } from '../src/index.js';

const ORDERS = { clientId: 'orders-service', clientSecret: 'orders secret:+&%é', scopes: ['orders:read', 'orders:write'] };
const LEGACY = { clientId: 'legacy-app', clientSecret: 'legacy-secret', scopes: ['profile'], grantTypes: ['authorization_code'] };
const MULTI = {
  clientId: 'multi-api',
  clientSecret: 'multi-secret',
  scopes: [],
  audience: ['https://a.example', 'https://b.example'],
};

let issuer: FakeIssuer;
let jwks: ReturnType<typeof createRemoteJWKSet>;
beforeAll(async () => {
  issuer = await startFakeIssuer({ clients: [ORDERS, LEGACY], tokenLifetime: 600 });
  issuer.addClient(MULTI);
  jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
});
afterAll(async () => {
  await issuer.close();
});

interface TokenRequest {
  method?: string;
  basic?: [string, string];
  authorization?: string;
  contentType?: string | null;
  /** Pairs, so a test can repeat a parameter. */
  form?: [string, string][];
  rawBody?: string;
}

interface TokenAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Sends a token request and checks what every answer of the endpoint must have. */
async function requestToken(request: TokenRequest): Promise<TokenAnswer> {
  const headers: Record<string, string> = {};
  if (request.contentType !== null) headers['content-type'] = request.contentType ?? 'application/x-www-form-urlencoded';
  if (request.basic !== undefined) headers.authorization = basicAuthorization(...request.basic);
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  const method = request.method ?? 'POST';
  const response = await fetch(issuer.tokenEndpoint, {
    method,
    headers,
    ...(method === 'GET' ? {} : { body: request.rawBody ?? new URLSearchParams(request.form ?? []).toString() }),
  });
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

async function verifyIssued(answer: TokenAnswer): Promise<JWTPayload> {
  const token = answer.body.access_token as string;
  expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: issuer.currentKid() });
  const { payload } = await jwtVerify(token, jwks, { issuer: issuer.url, typ: 'at+jwt', algorithms: ['RS256'] });
  return payload;
}

const CC: [string, string] = ['grant_type', 'client_credentials'];

describe('token endpoint, happy flows', () => {
  it('happy flow: client_secret_basic gets a Bearer token with the client full scopes', async () => {
    const answer = await requestToken({ basic: [ORDERS.clientId, ORDERS.clientSecret], form: [CC] });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'orders:read orders:write' });
    const payload = await verifyIssued(answer);
    expect(payload).toMatchObject({
      sub: ORDERS.clientId,
      client_id: ORDERS.clientId,
      scope: 'orders:read orders:write',
      aud: issuer.audience,
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(typeof payload.jti).toBe('string');
  });

  it('happy flow: client_secret_post gets a token too', async () => {
    const answer = await requestToken({
      form: [CC, ['client_id', ORDERS.clientId], ['client_secret', ORDERS.clientSecret]],
    });
    expect(answer.status).toBe(200);
    expect((await verifyIssued(answer)).client_id).toBe(ORDERS.clientId);
  });

  it('happy flow: a scope that is a subset of the client scopes is granted as asked', async () => {
    const answer = await requestToken({ basic: [ORDERS.clientId, ORDERS.clientSecret], form: [CC, ['scope', 'orders:read']] });
    expect(answer.status).toBe(200);
    expect(answer.body.scope).toBe('orders:read');
    expect((await verifyIssued(answer)).scope).toBe('orders:read');
  });

  it('happy flow: the Authorization scheme name is case-insensitive and the content type may carry a charset', async () => {
    const header = basicAuthorization(ORDERS.clientId, ORDERS.clientSecret).replace('Basic', 'basic');
    const answer = await requestToken({
      authorization: header,
      contentType: 'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
      form: [CC],
    });
    expect(answer.status).toBe(200);
  });

  it('happy flow: resource sets aud; repeated resources give an aud array', async () => {
    const one = await requestToken({
      basic: [ORDERS.clientId, ORDERS.clientSecret],
      form: [CC, ['resource', 'https://orders.example.com/']],
    });
    expect(one.status).toBe(200);
    expect((await verifyIssued(one)).aud).toBe('https://orders.example.com/');

    const two = await requestToken({
      basic: [ORDERS.clientId, ORDERS.clientSecret],
      form: [CC, ['resource', 'https://orders.example.com/'], ['resource', 'urn:example:invoices']],
    });
    expect(two.status).toBe(200);
    expect((await verifyIssued(two)).aud).toEqual(['https://orders.example.com/', 'urn:example:invoices']);
  });

  it('happy flow: without resource the client registered audience is used, and without scopes none is granted', async () => {
    const answer = await requestToken({ basic: [MULTI.clientId, MULTI.clientSecret], form: [CC] });
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('scope');
    const payload = await verifyIssued(answer);
    expect(payload.aud).toEqual(MULTI.audience);
    expect(payload).not.toHaveProperty('scope');
  });
});

describe('token endpoint, error flows (RFC 6749 §5.2)', () => {
  const basic: [string, string] = [ORDERS.clientId, ORDERS.clientSecret];
  const post: [string, string][] = [['client_id', ORDERS.clientId], ['client_secret', ORDERS.clientSecret]];

  it.each<[string, TokenRequest, number, string]>([
    ['a scope the client does not have', { basic, form: [CC, ['scope', 'orders:read orders:admin']] }, 400, 'invalid_scope'],
    ['a scope with an illegal character', { basic, form: [CC, ['scope', 'orders:"read"']] }, 400, 'invalid_scope'],
    ['a wrong secret with client_secret_post', { form: [CC, ['client_id', ORDERS.clientId], ['client_secret', 'nope']] }, 401, 'invalid_client'],
    ['an unknown client with client_secret_post', { form: [CC, ['client_id', 'ghost'], ['client_secret', 'x']] }, 401, 'invalid_client'],
    ['grant_type password', { basic, form: [['grant_type', 'password']] }, 400, 'unsupported_grant_type'],
    ['a client not allowed client_credentials', { basic: [LEGACY.clientId, LEGACY.clientSecret], form: [CC] }, 400, 'unauthorized_client'],
    ['no grant_type', { basic, form: [['scope', 'orders:read']] }, 400, 'invalid_request'],
    ['an empty grant_type', { basic, form: [['grant_type', '']] }, 400, 'invalid_request'],
    ['both client_secret_basic and client_secret_post', { basic, form: [CC, ...post] }, 400, 'invalid_request'],
    ['a JSON body', { basic, contentType: 'application/json', rawBody: '{"grant_type":"client_credentials"}' }, 400, 'invalid_request'],
    ['no content type', { basic, contentType: null, rawBody: 'grant_type=client_credentials' }, 400, 'invalid_request'],
    ['a repeated scope parameter', { basic, form: [CC, ['scope', 'orders:read'], ['scope', 'orders:write']] }, 400, 'invalid_request'],
    ['a repeated grant_type parameter', { basic, form: [CC, CC] }, 400, 'invalid_request'],
    ['a relative resource', { basic, form: [CC, ['resource', '/orders']] }, 400, 'invalid_target'],
    ['a resource with a fragment', { basic, form: [CC, ['resource', 'https://orders.example.com/#x']] }, 400, 'invalid_target'],
  ])('error flow: %s answers %i %s', async (_name, request, status, error) => {
    const answer = await requestToken(request);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error, error_description: expect.any(String) as string });
    expect(answer.body).not.toHaveProperty('access_token');
    if (request.basic === undefined) expect(answer.headers.get('www-authenticate')).toBeNull();
  });

  it.each<[string, TokenRequest]>([
    ['a wrong secret', { basic: [ORDERS.clientId, 'wrong'], form: [CC] }],
    ['an unknown client', { basic: ['ghost', ORDERS.clientSecret], form: [CC] }],
    ['the right secret of another client', { basic: [ORDERS.clientId, LEGACY.clientSecret], form: [CC] }],
    ['a header that is not base64', { authorization: 'Basic %%%not-base64', form: [CC] }],
    ['a header without a colon', { authorization: `Basic ${Buffer.from('orders-service').toString('base64')}`, form: [CC] }],
    ['the Bearer scheme', { authorization: 'Bearer abc', form: [CC] }],
  ])('error flow: Basic auth with %s answers 401 invalid_client with a Basic challenge', async (_name, request) => {
    const answer = await requestToken(request);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
  });

  it('error flow: a request without client authentication answers 401 invalid_client with a Basic challenge', async () => {
    for (const form of [[CC], [CC, ['client_id', ORDERS.clientId]]] as [string, string][][]) {
      const answer = await requestToken({ form });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    }
  });

  it('error flow: a failed client_secret_post gets 401 without WWW-Authenticate', async () => {
    const answer = await requestToken({ form: [CC, ['client_id', ORDERS.clientId], ['client_secret', 'nope']] });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBeNull();
  });

  it.each(['GET', 'PUT', 'DELETE'])('error flow: %s answers 405 with Allow: POST', async (method) => {
    const answer = await requestToken({ method, basic, form: [CC] });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
    expect(answer.body.error).toBe('invalid_request');
  });

  it('error flow: a body over 16 KiB answers 413 invalid_request', async () => {
    const answer = await requestToken({ basic, form: [CC, ['padding', 'x'.repeat(20_000)]] });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('invalid_request');
    // The connection is still usable afterwards.
    expect((await requestToken({ basic, form: [CC] })).status).toBe(200);
  });

  it('error flow: error answers never echo the secret', async () => {
    const answer = await requestToken({ form: [CC, ['client_id', ORDERS.clientId], ['client_secret', 'very-secret-guess']] });
    expect(JSON.stringify(answer.body)).not.toContain('very-secret-guess');
  });
});
