// Where real authorization servers differ, the fake issuer can behave either way (RFC 6749 §3.3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization, startFakeIssuer, MINT_ALGORITHMS } from '../src/index.js';
import type { FakeIssuer } from '../src/index.js';

const SCOPES = ['orders:read', 'orders:write'];
const CLIENTS = [
  { clientId: 'default-all', clientSecret: 's1', scopes: SCOPES },
  { clientId: 'like-oidc-provider', clientSecret: 's2', scopes: SCOPES, defaultScopes: [], unknownScope: 'drop' as const },
  { clientId: 'one-default', clientSecret: 's3', scopes: SCOPES, defaultScopes: ['orders:read'] },
];

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer({ clients: CLIENTS });
});
afterAll(async () => {
  await issuer.close();
});

async function token(clientId: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; claims?: Record<string, unknown> }> {
  const client = CLIENTS.find((c) => c.clientId === clientId)!;
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: { authorization: basicAuthorization(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (typeof body.access_token !== 'string') return { status: response.status, body };
  const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { status: response.status, body, claims };
}

describe('token requests without scope: defaultScopes', () => {
  it('default: every registered scope is granted', async () => {
    const answer = await token('default-all', {});
    expect(answer.body.scope).toBe('orders:read orders:write');
    expect(answer.claims!.scope).toBe('orders:read orders:write');
  });

  it('defaultScopes: [] grants none: no scope claim and no scope in the answer, as oidc-provider', async () => {
    const answer = await token('like-oidc-provider', {});
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('scope');
    expect(answer.claims).not.toHaveProperty('scope');
  });

  it('defaultScopes: a subset is granted as given', async () => {
    expect((await token('one-default', {})).claims!.scope).toBe('orders:read');
  });

  it('error flow: defaultScopes outside scopes, or not a list, is a TypeError at registration', () => {
    expect(() => issuer.addClient({ clientId: 'x', clientSecret: 'y', scopes: ['a'], defaultScopes: ['b'] })).toThrow(/defaultScopes has "b"/);
    expect(() => issuer.addClient({ clientId: 'x', clientSecret: 'y', scopes: ['a'], defaultScopes: 'a' as never })).toThrow(/defaultScopes must be an array/);
    expect(() => issuer.addClient({ clientId: 'x', clientSecret: 'y', scopes: ['a'], unknownScope: 'ignore' as never })).toThrow(/unknownScope must be 'error' or 'drop'/);
  });
});

describe('unregistered scopes: unknownScope', () => {
  it("default 'error': 400 invalid_scope", async () => {
    const answer = await token('default-all', { scope: 'orders:read admin' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_scope');
  });

  it("'drop': the unregistered scope is left out and the rest granted", async () => {
    const answer = await token('like-oidc-provider', { scope: 'admin orders:write' });
    expect(answer.status).toBe(200);
    expect(answer.claims!.scope).toBe('orders:write');
    const none = await token('like-oidc-provider', { scope: 'admin' });
    expect(none.status).toBe(200);
    expect(none.claims).not.toHaveProperty('scope');
  });

  it("'drop' still refuses a scope with illegal characters", async () => {
    const answer = await token('like-oidc-provider', { scope: 'orders:read bad"scope' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_scope');
  });
});

describe('the JWKS document', () => {
  it('is served as application/jwk-set+json, and every key has its alg by default', async () => {
    const response = await fetch(issuer.jwksUri);
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json; charset=utf-8');
    const { keys } = (await response.json()) as { keys: { kty: string; alg?: string }[] };
    expect(keys.map((k) => [k.kty, k.alg])).toEqual([['RSA', 'RS256'], ['EC', 'ES256'], ['OKP', 'EdDSA']]);
    // The metadata stays application/json.
    expect((await fetch(issuer.metadataUrl)).headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it.each([
    [['RSA', 'OKP'] as const, [['RSA', undefined], ['EC', 'ES256'], ['OKP', undefined]]],
    [true, [['RSA', undefined], ['EC', undefined], ['OKP', undefined]]],
  ])('omitAlg %j publishes those keys without alg (as oidc-provider does for RSA and OKP)', async (omitAlg, expected) => {
    const other = await startFakeIssuer({ omitAlg });
    try {
      const { keys } = (await (await fetch(other.jwksUri)).json()) as { keys: { kty: string; alg?: string }[] };
      expect(keys.map((k) => [k.kty, k.alg])).toEqual(expected);
      expect(other.publicJwk(other.currentKid('RS256'))).not.toHaveProperty('alg');
      // Keys added later (rotation, other curves) follow the same rule; raw entries stay as given.
      other.rotateKeys();
      other.addKey({ ...other.publicJwk(other.currentKid('RS256')), kid: 'raw', alg: 'PS256' });
      const after = (await (await fetch(other.jwksUri)).json()) as { keys: { kid: string; kty: string; alg?: string }[] };
      expect(after.keys.filter((k) => k.kty === 'RSA' && k.kid !== 'raw').every((k) => k.alg === undefined)).toBe(true);
      expect(after.keys.find((k) => k.kid === 'raw')!.alg).toBe('PS256');
    } finally {
      await other.close();
    }
  });

  it('error flow: a bad omitAlg is a TypeError', async () => {
    await expect(startFakeIssuer({ omitAlg: ['oct'] as never })).rejects.toThrow(/omitAlg/);
  });
});

describe("mint({ alg: 'Ed25519' })", () => {
  it('signs with the Ed25519 key under the RFC 9864 name, with the EdDSA key kid', () => {
    expect(MINT_ALGORITHMS).toContain('Ed25519');
    const jwt = issuer.mint({}, { alg: 'Ed25519' });
    const [header, , signature] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toEqual({ alg: 'Ed25519', typ: 'at+jwt', kid: issuer.currentKid('EdDSA') });
    expect(Buffer.from(signature!, 'base64url')).toHaveLength(64);
    expect(issuer.currentKid('Ed25519')).toBe(issuer.currentKid('EdDSA'));
  });
});
