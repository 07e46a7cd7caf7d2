/**
 * Every token of this corpus gets the same verdict from Portcullis core and from jose's `jwtVerify`
 * (the reference implementation), except where a row says why the two differ by design.
 */
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier, type Verifier } from '../src/index.js';

let issuer: FakeIssuer;
let verifier: Verifier;
let jwks: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
  const response = await fetch(issuer.jwksUri);
  jwks = createLocalJWKSet((await response.json()) as JSONWebKeySet);
});

afterAll(async () => {
  verifier.close();
  await issuer.close();
});

interface Row {
  name: string;
  token: () => string;
  /** The verdict of core: 'accept', or the rejection reason. */
  core: string;
  /** jose's verdict where it differs by design from core's accept/reject, with the reason why. */
  jose?: { verdict: 'accept' | 'reject'; why: string };
}

const now = () => Math.floor(Date.now() / 1000);
const swapSignature = (token: string, signature: string) => token.slice(0, token.lastIndexOf('.') + 1) + signature;
const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

const rows: Row[] = [
  { name: 'RS256 default token', token: () => issuer.mint(), core: 'accept' },
  { name: 'PS256 with the RSA key published for RS256 (JWK alg)', token: () => issuer.mint({}, { alg: 'PS256' }), core: 'key_mismatch' },
  { name: 'ES256', token: () => issuer.mint({}, { alg: 'ES256' }), core: 'accept' },
  { name: 'EdDSA', token: () => issuer.mint({}, { alg: 'EdDSA' }), core: 'accept' },
  { name: 'aud list containing the audience', token: () => issuer.mint({ aud: ['other', issuer.audience] }), core: 'accept' },
  { name: 'typ JWT', token: () => issuer.mint({}, { header: { typ: 'JWT' } }), core: 'accept' },
  { name: 'no typ', token: () => issuer.mint({}, { header: { typ: undefined } }), core: 'accept' },
  { name: 'expired', token: () => issuer.mint({}, { lifetime: -60 }), core: 'expired' },
  { name: 'nbf in the future', token: () => issuer.mint({ nbf: now() + 600 }), core: 'not_yet_valid' },
  { name: 'wrong audience', token: () => issuer.mint({ aud: 'https://other.example.com' }), core: 'invalid_audience' },
  { name: 'wrong issuer', token: () => issuer.mint({ iss: 'https://evil.example.com' }), core: 'invalid_issuer' },
  { name: 'attacker key under the real kid', token: () => issuer.mint({}, { key: 'attacker' }), core: 'invalid_signature' },
  { name: 'alg none', token: () => issuer.mint({}, { alg: 'none' }), core: 'algorithm_not_allowed' },
  {
    name: 'HS256 signed with the RSA public key (alg confusion)',
    token: () => {
      const jwk = issuer.publicJwk(issuer.currentKid('RS256'));
      const pem = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      return issuer.mint({}, { alg: 'HS256', secret: pem });
    },
    core: 'algorithm_not_allowed',
  },
  {
    name: 'embedded jwk of the attacker key',
    token: () => issuer.mint({}, { key: 'attacker', kid: null, header: { jwk: issuer.attackerJwk } }),
    core: 'invalid_signature',
  },
  {
    name: 'jku pointing elsewhere, attacker key',
    token: () => issuer.mint({}, { key: 'attacker', header: { jku: 'http://127.0.0.1:1/jwks.json' } }),
    core: 'invalid_signature',
  },
  { name: 'crit with an unknown extension', token: () => issuer.mint({}, { header: { crit: ['urn:x'], 'urn:x': 1 } }), core: 'unsupported_crit' },
  {
    name: 'crit b64 true',
    token: () => issuer.mint({}, { header: { crit: ['b64'], b64: true } }),
    core: 'unsupported_crit',
    jose: { verdict: 'accept', why: 'jose understands the b64 extension; Portcullis accepts no crit at all (RFC 7515 §4.1.11 allows refusing)' },
  },
  { name: 'b64 false', token: () => issuer.mint({}, { header: { b64: false, crit: ['b64'] } }), core: 'unsupported_crit' },
  {
    name: 'padded signature',
    token: () => {
      const t = issuer.mint({}, { alg: 'ES256' });
      return t + '='.repeat((4 - (signatureOf(t).length % 4)) % 4 || 4);
    },
    core: 'malformed_token',
    jose: { verdict: 'accept', why: 'jose 6 decodes a padded signature; RFC 7515 §2 says base64url without padding' },
  },
  {
    name: 're-spelled signature (non-zero unused bits)',
    token: () => {
      const t = issuer.mint({}, { alg: 'ES256' }); // 64 bytes → 86 chars, the last carries 2 unused bits
      const sig = signatureOf(t);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(sig.at(-1)!);
      return swapSignature(t, sig.slice(0, -1) + alphabet[last ^ 1]!);
    },
    core: 'malformed_token',
    jose: { verdict: 'accept', why: 'jose decodes non-canonical base64url to the same bytes; Portcullis takes one spelling only' },
  },
  {
    name: 'truncated signature',
    token: () => {
      const t = issuer.mint();
      return swapSignature(t, Buffer.from(signatureOf(t), 'base64url').subarray(0, 200).toString('base64url'));
    },
    core: 'invalid_signature',
  },
  { name: 'signature of another token', token: () => swapSignature(issuer.mint({ sub: 'a' }), signatureOf(issuer.mint({ sub: 'b' }))), core: 'invalid_signature' },
  { name: 'typ JOSE', token: () => issuer.mint({}, { header: { typ: 'JOSE' } }), core: 'invalid_type', jose: { verdict: 'accept', why: 'jose checks typ only when asked; RFC 8725 §3.11 explicit typing' } },
  { name: 'exp as a string', token: () => issuer.mint({ exp: String(now() + 60) }), core: 'invalid_claim' },
  {
    name: 'no exp',
    token: () => issuer.mint({ exp: undefined }),
    core: 'missing_claim',
    jose: { verdict: 'accept', why: 'jose treats exp as optional unless requiredClaims says so; RFC 9068 §2.2 requires it' },
  },
  {
    name: 'iat in the future',
    token: () => issuer.mint({ iat: now() + 3600 }),
    core: 'issued_in_future',
    jose: { verdict: 'accept', why: 'jose checks iat only with maxTokenAge; a future iat is a forged or mis-clocked token' },
  },
  { name: 'unknown kid', token: () => issuer.mint({}, { kid: 'no-such-kid' }), core: 'unknown_key' },
  { name: 'ES256 header with the RSA kid', token: () => issuer.mint({}, { alg: 'ES256', kid: issuer.currentKid('RS256') }), core: 'key_mismatch' },
  {
    name: 'ES256 signature in DER form',
    token: () => {
      const t = issuer.mint({}, { alg: 'ES256' });
      const raw = Buffer.from(signatureOf(t), 'base64url');
      const der = Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), raw.subarray(0, 32), Buffer.from([0x02, 0x20]), raw.subarray(32)]);
      return swapSignature(t, der.toString('base64url'));
    },
    core: 'invalid_signature',
  },
  { name: 'header not JSON', token: () => 'bm90IGpzb24.' + issuer.mint().split('.').slice(1).join('.'), core: 'malformed_header' },
  { name: 'two segments', token: () => issuer.mint().split('.').slice(0, 2).join('.'), core: 'malformed_token' },
  {
    name: 'a key pair never published, no kid',
    token: () => issuer.mint({}, { kid: null, key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }),
    core: 'invalid_signature',
  },
];

async function coreVerdict(token: string): Promise<string> {
  try {
    await verifier.verify(token);
    return 'accept';
  } catch (error) {
    return (error as { reason: string }).reason;
  }
}

async function joseVerdict(token: string): Promise<'accept' | 'reject'> {
  try {
    await jwtVerify(token, jwks, {
      issuer: issuer.url,
      audience: issuer.audience,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      clockTolerance: 5,
    });
    return 'accept';
  } catch {
    return 'reject';
  }
}

describe('core and jose agree on the corpus', () => {
  it.each(rows)('$name', async (row) => {
    const token = row.token();
    expect(await coreVerdict(token)).toBe(row.core);
    const expectedJose = row.jose?.verdict ?? (row.core === 'accept' ? 'accept' : 'reject');
    expect(await joseVerdict(token)).toBe(expectedJose);
  });

  it('the corpus covers accepted and refused tokens', () => {
    expect(rows.filter((r) => r.core === 'accept').length).toBeGreaterThanOrEqual(5);
    expect(rows.filter((r) => r.core !== 'accept').length).toBeGreaterThanOrEqual(20);
  });
});
