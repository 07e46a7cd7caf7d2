import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer } from '../src/index.js';
import type { FakeIssuer } from '../src/index.js';

interface Jwks {
  keys: Record<string, unknown>[];
}

const PRIVATE_PARAMS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function fetchJwks(issuer: FakeIssuer): Promise<Jwks> {
  const response = await fetch(issuer.jwksUri);
  expect(response.status).toBe(200);
  return (await response.json()) as Jwks;
}

/** Verifies with a fresh jose JWKS client each time, so no cache hides what is published now. */
async function verify(issuer: FakeIssuer, token: string): Promise<string> {
  try {
    await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
      issuer: issuer.url,
      audience: issuer.audience,
      typ: 'at+jwt',
    });
    return 'verified';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('JWKS and key management', () => {
  let issuer: FakeIssuer;
  beforeAll(async () => {
    issuer = await startFakeIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('happy flow: the JWKS publishes an RSA, a P-256 and an Ed25519 signing key with public parameters only', async () => {
    const { keys } = await fetchJwks(issuer);
    expect(keys).toHaveLength(3);
    const byAlg = new Map(keys.map((key) => [key.alg, key]));
    expect(byAlg.get('RS256')).toMatchObject({ kty: 'RSA', use: 'sig', kid: issuer.currentKid('RS256'), e: 'AQAB' });
    expect(byAlg.get('ES256')).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', kid: issuer.currentKid('ES256') });
    expect(byAlg.get('EdDSA')).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig', kid: issuer.currentKid('EdDSA') });
    // 2048-bit modulus: 256 bytes, 342 base64url characters.
    expect(byAlg.get('RS256')!.n).toHaveLength(342);
    for (const key of keys) {
      for (const param of PRIVATE_PARAMS) expect(key).not.toHaveProperty(param);
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    }
    expect(new Set(keys.map((key) => key.kid)).size).toBe(3);
    expect(issuer.kids()).toEqual(keys.map((key) => key.kid));
    expect(issuer.publicJwk(issuer.currentKid())).toEqual(byAlg.get('RS256'));
  });

  it('happy flow: RS* and PS* share the RSA kid; HS* and none name it too', () => {
    const rsaKid = issuer.currentKid();
    for (const alg of ['RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'HS256', 'none'] as const) {
      expect(issuer.currentKid(alg)).toBe(rsaKid);
    }
  });

  it('happy flow: the attacker key is an RSA public JWK that is never published', async () => {
    expect(issuer.attackerJwk).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    expect(issuer.attackerJwk).not.toHaveProperty('d');
    const { keys } = await fetchJwks(issuer);
    expect(keys.map((key) => key.n)).not.toContain(issuer.attackerJwk.n);
  });

  it('error flow: publicJwk of a kid that is not published throws', () => {
    expect(() => issuer.publicJwk('no-such-kid')).toThrow(/no-such-kid/);
    expect(() => issuer.removeKey('no-such-kid')).toThrow(/no-such-kid/);
  });
});

describe('key lifecycle', () => {
  let issuer: FakeIssuer;
  beforeAll(async () => {
    issuer = await startFakeIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('happy flow: ES384 and ES512 keys are created and published when first used', async () => {
    expect((await fetchJwks(issuer)).keys).toHaveLength(3);
    const es384 = issuer.mint({}, { alg: 'ES384' });
    const es512 = issuer.mint({}, { alg: 'ES512' });
    const { keys } = await fetchJwks(issuer);
    expect(keys).toHaveLength(5);
    expect(issuer.publicJwk(issuer.currentKid('ES384'))).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384' });
    expect(issuer.publicJwk(issuer.currentKid('ES512'))).toMatchObject({ kty: 'EC', crv: 'P-521', alg: 'ES512' });
    expect(await verify(issuer, es384)).toBe('verified');
    expect(await verify(issuer, es512)).toBe('verified');
  });

  it('happy flow: rotateKeys makes new current keys for every type in use and keeps the old ones published', async () => {
    const before = issuer.kids();
    const oldToken = issuer.mint();
    const newKids = issuer.rotateKeys();
    expect(newKids).toHaveLength(5);
    for (const kid of newKids) expect(before).not.toContain(kid);
    expect(newKids).toContain(issuer.currentKid('RS256'));
    expect(newKids).toContain(issuer.currentKid('ES256'));
    expect(newKids).toContain(issuer.currentKid('EdDSA'));
    expect(newKids).toContain(issuer.currentKid('ES384'));
    expect(newKids).toContain(issuer.currentKid('ES512'));
    expect(issuer.kids()).toEqual([...before, ...newKids]);

    const newToken = issuer.mint();
    expect(await verify(issuer, newToken)).toBe('verified');
    expect(await verify(issuer, oldToken)).toBe('verified');
  });

  it('error flow: rotateKeys with retireOld stops publishing the previous keys, so their tokens fail', async () => {
    const oldToken = issuer.mint({}, { alg: 'ES256' });
    const newKids = issuer.rotateKeys({ retireOld: true });
    expect(issuer.kids()).toEqual(newKids);
    expect((await fetchJwks(issuer)).keys.map((key) => key.kid)).toEqual(newKids);
    expect(await verify(issuer, oldToken)).toBe('ERR_JWKS_NO_MATCHING_KEY');
    expect(await verify(issuer, issuer.mint({}, { alg: 'ES256' }))).toBe('verified');
  });

  it('error flow: after removeKey the JWKS no longer has the key and its tokens fail with no matching key', async () => {
    const kid = issuer.currentKid('EdDSA');
    const token = issuer.mint({}, { alg: 'EdDSA' });
    expect(await verify(issuer, token)).toBe('verified');
    issuer.removeKey(kid);
    expect(issuer.kids()).not.toContain(kid);
    expect((await fetchJwks(issuer)).keys.map((key) => key.kid)).not.toContain(kid);
    expect(await verify(issuer, token)).toBe('ERR_JWKS_NO_MATCHING_KEY');
    // The removed key stays current: newly minted tokens fail too, until the next rotation.
    expect(await verify(issuer, issuer.mint({}, { alg: 'EdDSA' }))).toBe('ERR_JWKS_NO_MATCHING_KEY');
    issuer.rotateKeys();
    expect(await verify(issuer, issuer.mint({}, { alg: 'EdDSA' }))).toBe('verified');
  });

  it('happy flow: addKey publishes raw entries exactly as given, next to the signing keys', async () => {
    const count = (await fetchJwks(issuer)).keys.length;
    issuer.addKey({ kty: 'oct', kid: 'symmetric', k: 'c2VjcmV0' });
    issuer.addKey({ kty: 'RSA', kid: 'encryption', use: 'enc', n: 'AQAB', e: 'AQAB' });
    issuer.addKey({ kty: 'EC', crv: 'P-256', x: 42 });
    const { keys } = await fetchJwks(issuer);
    expect(keys).toHaveLength(count + 3);
    expect(keys.slice(-3)).toEqual([
      { kty: 'oct', kid: 'symmetric', k: 'c2VjcmV0' },
      { kty: 'RSA', kid: 'encryption', use: 'enc', n: 'AQAB', e: 'AQAB' },
      { kty: 'EC', crv: 'P-256', x: 42 },
    ]);
    expect(issuer.kids()).toContain('symmetric');
    issuer.removeKey('symmetric');
    expect(issuer.kids()).not.toContain('symmetric');
  });

  it('happy flow: a PS256 token verifies once the RSA key is also published with alg PS256', async () => {
    const kid = 'rsa-for-ps256';
    issuer.addKey({ ...issuer.publicJwk(issuer.currentKid()), kid, alg: 'PS256' });
    expect(await verify(issuer, issuer.mint({}, { alg: 'PS256', kid }))).toBe('verified');
    // Under its own kid, published with alg RS256, jose finds no key for PS256.
    expect(await verify(issuer, issuer.mint({}, { alg: 'PS256' }))).toBe('ERR_JWKS_NO_MATCHING_KEY');
  });
});
