import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID, startFakeIssuer } from '../src/index.js';
import type { FakeIssuer, MintAlgorithm } from '../src/index.js';

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: Buffer } {
  const [header, payload, signature, ...rest] = token.split('.');
  expect(rest).toHaveLength(0);
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>,
    signature: Buffer.from(signature!, 'base64url'),
  };
}

async function failureCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'verified';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('mint', () => {
  let issuer: FakeIssuer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const verifyRemote = (token: string, typ = 'at+jwt'): Promise<unknown> =>
    jwtVerify(token, jwks, { issuer: issuer.url, audience: issuer.audience, typ });

  beforeAll(async () => {
    issuer = await startFakeIssuer({ tokenLifetime: 120 });
    // Create the lazily made curves before jose first reads the JWKS.
    issuer.currentKid('ES384');
    issuer.currentKid('ES512');
    jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('happy flow: a default token has the RFC 9068 header and claims', () => {
    const before = Math.floor(Date.now() / 1000);
    const token = issuer.mint();
    const after = Math.floor(Date.now() / 1000);
    const { header, payload } = decode(token);
    expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: issuer.currentKid() });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub']);
    expect(payload).toMatchObject({
      iss: issuer.url,
      aud: 'https://api.example.com',
      sub: DEFAULT_CLIENT_ID,
      client_id: DEFAULT_CLIENT_ID,
      scope: 'read write',
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(payload.exp).toBe((payload.iat as number) + 120);
    expect(payload.jti).not.toBe(decode(issuer.mint()).payload.jti);
  });

  it('happy flow: every segment is base64url without padding', () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA', 'PS512'] as const) {
      const token = issuer.mint({ note: '??>>~~' }, { alg });
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    }
  });

  it.each(['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const)(
    'happy flow: an %s token verifies with jose against the issuer JWKS',
    async (alg) => {
      const token = issuer.mint({ scope: 'orders:read' }, { alg });
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: issuer.url,
        audience: issuer.audience,
        typ: 'at+jwt',
        algorithms: [alg],
      });
      expect(protectedHeader.kid).toBe(issuer.currentKid(alg));
      expect(payload.scope).toBe('orders:read');
    },
  );

  it.each([
    ['RS384', 256],
    ['RS512', 256],
    ['PS256', 256],
    ['PS384', 256],
    ['PS512', 256],
    ['ES256', 64],
    ['ES384', 96],
    ['ES512', 132],
    ['EdDSA', 64],
  ] as const)('happy flow: %s is signed correctly with the current key (signature of %i bytes)', async (alg, length) => {
    const token = issuer.mint({}, { alg });
    const { header, signature } = decode(token);
    expect(header.alg).toBe(alg);
    // ES* signatures are IEEE P1363 r||s, whose length is fixed by the curve.
    expect(signature).toHaveLength(length);
    const publicKey = createPublicKey({ key: issuer.publicJwk(header.kid as string), format: 'jwk' });
    await jwtVerify(token, publicKey, { algorithms: [alg] });
  });

  it.each(['HS256', 'HS384', 'HS512'] as const)('happy flow: %s is an HMAC with the given secret', async (alg) => {
    const secret = 'a-shared-secret-that-is-long-enough-for-hs512-0123456789abcdef0123456789';
    const token = issuer.mint({}, { alg, secret });
    expect(decode(token).header).toEqual({ alg, typ: 'at+jwt', kid: issuer.currentKid() });
    await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: [alg] });
    expect(await failureCode(jwtVerify(token, new TextEncoder().encode(`${secret}!`), { algorithms: [alg] }))).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });

  it('error flow: HS256 keyed with the RSA public key PEM (key confusion) is a valid HMAC over that text and fails against the JWKS', async () => {
    const pem = createPublicKey({ key: issuer.publicJwk(issuer.currentKid()), format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const token = issuer.mint({}, { alg: 'HS256', secret: pem });
    await jwtVerify(token, new TextEncoder().encode(pem), { algorithms: ['HS256'] });
    expect(await failureCode(verifyRemote(token))).not.toBe('verified');
  });

  it('error flow: alg none has an empty signature part and jose refuses it', async () => {
    const token = issuer.mint({}, { alg: 'none' });
    expect(token.endsWith('.')).toBe(true);
    expect(decode(token).header).toEqual({ alg: 'none', typ: 'at+jwt', kid: issuer.currentKid() });
    expect(await failureCode(verifyRemote(token))).toBe('ERR_JOSE_NOT_SUPPORTED');
  });

  it('error flow: an expired token (negative lifetime) fails with jose for expiry', async () => {
    const token = issuer.mint({}, { lifetime: -60 });
    const { payload } = decode(token);
    expect(payload.exp).toBe((payload.iat as number) - 60);
    expect(await failureCode(verifyRemote(token))).toBe('ERR_JWT_EXPIRED');
  });

  it('happy flow: now and lifetime set iat and exp exactly', () => {
    const { payload } = decode(issuer.mint({}, { now: 1_700_000_000, lifetime: 45 }));
    expect(payload.iat).toBe(1_700_000_000);
    expect(payload.exp).toBe(1_700_000_045);
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'error flow: %s signed with the attacker key keeps the real kid and fails the signature check',
    async (alg) => {
      const token = issuer.mint({}, { alg, key: 'attacker' });
      expect(decode(token).header.kid).toBe(issuer.currentKid(alg));
      expect(await failureCode(verifyRemote(token))).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    },
  );

  it('error flow: the attacker RSA key is the one behind attackerJwk (embedded jwk attack)', async () => {
    const token = issuer.mint({}, { key: 'attacker', kid: null, header: { jwk: issuer.attackerJwk } });
    const { header } = decode(token);
    expect(header).not.toHaveProperty('kid');
    expect(header.jwk).toEqual(issuer.attackerJwk);
    await jwtVerify(token, createPublicKey({ key: issuer.attackerJwk, format: 'jwk' }), { algorithms: ['RS256'] });
    expect(await failureCode(verifyRemote(token))).not.toBe('verified');
  });

  it('happy flow: a caller-supplied KeyObject signs the token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = issuer.mint({}, { alg: 'ES256', key: privateKey, kid: 'mine' });
    expect(decode(token).header.kid).toBe('mine');
    await jwtVerify(token, publicKey, { algorithms: ['ES256'] });
    expect(await failureCode(verifyRemote(token))).toBe('ERR_JWKS_NO_MATCHING_KEY');
  });

  it('happy flow: header overrides are merged, undefined deletes a field, kid null omits the kid', async () => {
    const token = issuer.mint(
      {},
      {
        header: {
          typ: undefined,
          jku: 'https://attacker.example/jwks.json',
          x5u: 'https://attacker.example/cert.pem',
          crit: ['b64'],
          b64: false,
        },
      },
    );
    expect(decode(token).header).toEqual({
      alg: 'RS256',
      kid: issuer.currentKid(),
      jku: 'https://attacker.example/jwks.json',
      x5u: 'https://attacker.example/cert.pem',
      crit: ['b64'],
      b64: false,
    });
    expect(decode(issuer.mint({}, { kid: null })).header).toEqual({ alg: 'RS256', typ: 'at+jwt' });
    expect(decode(issuer.mint({}, { kid: 'other' })).header.kid).toBe('other');
    const noTyp = issuer.mint({}, { header: { typ: undefined } });
    expect(await failureCode(verifyRemote(noTyp))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    const jwtTyp = issuer.mint({}, { header: { typ: 'JWT' } });
    expect(await failureCode(verifyRemote(jwtTyp))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    // A header alg that differs from the signing alg.
    const lying = issuer.mint({}, { alg: 'ES256', kid: issuer.currentKid('RS256'), header: { alg: 'RS256' } });
    expect(decode(lying).header.alg).toBe('RS256');
    expect(await failureCode(verifyRemote(lying))).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('happy flow: claims override the defaults and undefined removes one', async () => {
    const token = issuer.mint({ sub: 'user-7', aud: ['a', issuer.audience], exp: undefined, extra: { nested: true } });
    const { payload } = decode(token);
    expect(payload).not.toHaveProperty('exp');
    expect(payload).toMatchObject({ sub: 'user-7', aud: ['a', issuer.audience], extra: { nested: true } });
    expect(await failureCode(verifyRemote(token))).toBe('verified');
    const stringExp = issuer.mint({ exp: String(Math.floor(Date.now() / 1000) + 60) });
    expect(typeof decode(stringExp).payload.exp).toBe('string');
    expect(await failureCode(verifyRemote(stringExp))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('error flow: wrong issuer and audience claims fail with jose', async () => {
    expect(await failureCode(verifyRemote(issuer.mint({ iss: 'https://evil.example' })))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
    expect(await failureCode(verifyRemote(issuer.mint({ aud: 'https://other.example' })))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('error flow: unusable options throw a TypeError naming the option', () => {
    expect(() => issuer.mint({}, { alg: 'HS256' })).toThrow(/secret/);
    expect(() => issuer.mint({}, { alg: 'HS256', key: 'attacker', secret: 'x' })).toThrow(/attacker/);
    expect(() => issuer.mint({}, { alg: 'XS256' as MintAlgorithm })).toThrow(/alg/);
  });
});
