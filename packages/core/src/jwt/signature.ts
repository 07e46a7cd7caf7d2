/**
 * The signature stage of the JWT path: pick the issuer's keys that fit the token's algorithm and ask
 * the signature backend (crypto/) whether one of them made the signature.
 */
import type { KeyObject } from 'node:crypto';
import type { VerificationKey } from '../crypto/backend.js';
import { signatureBackend } from '../crypto/default.js';
import { verifyHmac } from '../crypto/node.js';
import { InvalidTokenError } from '../errors/errors.js';
import { specFitsKey, type AlgorithmSpec } from './algorithms.js';
import { ownedJws, type ParsedJws } from './jws.js';

export { verifyHmac };

/**
 * Whether a JWKS key may verify a token of this algorithm (RFC 7518 §6, RFC 8725 §3.1): same key
 * type, a curve the algorithm uses, and the JWK's own `alg` when it names one.
 */
export function keyFitsAlgorithm(key: VerificationKey, alg: string, spec: AlgorithmSpec): boolean {
  return specFitsKey(spec, key.kty, key.crv) && (key.alg === undefined || key.alg === alg);
}

function invalidSignature(realm: string | undefined): InvalidTokenError {
  return new InvalidTokenError({ reason: 'invalid_signature', description: 'the token signature is invalid', realm });
}

/** Checks an HMAC-signed token against the issuer's secret. */
export function checkHmac(secret: KeyObject, spec: AlgorithmSpec, jws: ParsedJws, realm: string | undefined): void {
  if (!verifyHmac(spec, secret, jws.signingInput, jws.signature)) throw invalidSignature(realm);
}

/**
 * Returns the key that verified the signature, at once when the backend answers at once; throws
 * `invalid_signature`, `key_mismatch` or `unknown_key`. `jws` may hold views of the parser's shared
 * buffer: it is copied before the first await.
 */
export function checkSignature(
  keys: readonly VerificationKey[],
  alg: string,
  spec: AlgorithmSpec,
  jws: ParsedJws,
  realm: string | undefined,
): VerificationKey | Promise<VerificationKey> {
  const backend = signatureBackend();
  let candidates = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!keyFitsAlgorithm(key, alg, spec)) continue;
    candidates++;
    const verdict = backend.verify(alg, key, jws.signingInput, jws.signature);
    if (verdict === true) return key;
    if (verdict !== false) return checkRest(verdict, key, keys.slice(i + 1), alg, spec, ownedJws(jws), realm);
  }
  throw noKey(candidates, keys, jws, realm);
}

/** The rest of {@link checkSignature} once the backend answered with a promise. */
async function checkRest(
  first: Promise<boolean>,
  firstKey: VerificationKey,
  rest: readonly VerificationKey[],
  alg: string,
  spec: AlgorithmSpec,
  jws: ParsedJws,
  realm: string | undefined,
): Promise<VerificationKey> {
  if (await first) return firstKey;
  const backend = signatureBackend();
  for (const key of rest) {
    if (keyFitsAlgorithm(key, alg, spec) && (await backend.verify(alg, key, jws.signingInput, jws.signature))) return key;
  }
  throw invalidSignature(realm);
}

function noKey(candidates: number, keys: readonly VerificationKey[], jws: ParsedJws, realm: string | undefined): InvalidTokenError {
  if (candidates > 0) return invalidSignature(realm);
  if (keys.length > 0 && jws.header.kid !== undefined) {
    return new InvalidTokenError({ reason: 'key_mismatch', description: 'the signing key does not fit the token algorithm', realm });
  }
  return new InvalidTokenError({ reason: 'unknown_key', description: 'the token signing key is not known', realm });
}

/**
 * Whether one of `keys` made the signature (signed introspection responses, DPoP proofs): the same
 * fitting rule and backend as access tokens, without the reasons.
 */
export async function someKeyVerifies(keys: readonly VerificationKey[], alg: string, spec: AlgorithmSpec, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const backend = signatureBackend();
  for (const key of keys) {
    if (keyFitsAlgorithm(key, alg, spec) && (await backend.verify(alg, key, signingInput, signature))) return true;
  }
  return false;
}
