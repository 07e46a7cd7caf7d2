// Keys as real issuers publish them: with or without a JWK `alg` (oidc-provider omits it on RSA and
// OKP keys), served as application/jwk-set+json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer, type MintAlgorithm } from '@portcullis/testing';
import { AuthError, createVerifier, type Verifier } from '../src/index.js';

const ALGS: MintAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];
let withAlg: FakeIssuer;
let withoutAlg: FakeIssuer;
const verifiers: Verifier[] = [];

function verifierFor(issuer: FakeIssuer): Verifier {
  const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
  verifiers.push(verifier);
  return verifier;
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

beforeAll(async () => {
  [withAlg, withoutAlg] = await Promise.all([startFakeIssuer(), startFakeIssuer({ omitAlg: ['RSA', 'OKP'] })]);
});
afterAll(async () => {
  for (const verifier of verifiers) verifier.close();
  await Promise.all([withAlg.close(), withoutAlg.close()]);
});

describe('keys with and without alg', () => {
  it('happy flow: keys without alg verify every algorithm their type allows (RSA, OKP), discovered from the issuer', async () => {
    const verifier = verifierFor(withoutAlg);
    for (const alg of ALGS) expect([alg, await outcome(verifier.verify(withoutAlg.mint({}, { alg })))]).toEqual([alg, 'ok']);
  });

  it('error flow: a key published with alg verifies only that algorithm (RS256 key: PS256 refused; EdDSA key: Ed25519 refused)', async () => {
    const verifier = verifierFor(withAlg);
    expect(await outcome(verifier.verify(withAlg.mint({}, { alg: 'RS256' })))).toBe('ok');
    expect(await outcome(verifier.verify(withAlg.mint({}, { alg: 'EdDSA' })))).toBe('ok');
    expect(await outcome(verifier.verify(withAlg.mint({}, { alg: 'PS256' })))).toBe('key_mismatch');
    expect(await outcome(verifier.verify(withAlg.mint({}, { alg: 'Ed25519' })))).toBe('key_mismatch');
  });

  it('error flow: without alg, a key still verifies only algorithms of its own type', async () => {
    const verifier = verifierFor(withoutAlg);
    const rsaKid = withoutAlg.currentKid('RS256');
    expect(await outcome(verifier.verify(withoutAlg.mint({}, { alg: 'ES256', kid: rsaKid })))).toBe('key_mismatch');
  });
});
