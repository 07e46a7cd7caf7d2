/** Signature verification with `node:crypto` on key objects imported once per JWK. */
import { createHmac, timingSafeEqual, verify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { specFitsKey, type AlgorithmSpec } from './algorithms.js';
import type { VerificationKey } from '../keys/jwk-import.js';

/** Per key object, the `crypto.verify` key argument for each algorithm, built on first use. */
const verifyInputs = new WeakMap<KeyObject, Map<AlgorithmSpec, VerifyKeyObjectInput>>();

function verifyInput(key: KeyObject, spec: AlgorithmSpec): VerifyKeyObjectInput {
  let byAlg = verifyInputs.get(key);
  if (byAlg === undefined) {
    byAlg = new Map();
    verifyInputs.set(key, byAlg);
  }
  let input = byAlg.get(spec);
  if (input === undefined) {
    input = { key };
    if (spec.padding !== undefined) input.padding = spec.padding;
    if (spec.saltLength !== undefined) input.saltLength = spec.saltLength;
    if (spec.kty === 'EC') input.dsaEncoding = 'ieee-p1363';
    byAlg.set(spec, input);
  }
  return input;
}

/**
 * Whether a JWKS key may verify a token of this algorithm (RFC 7518 §6, RFC 8725 §3.1): same key
 * type, a curve the algorithm uses, and the JWK's own `alg` when it names one.
 */
export function keyFitsAlgorithm(key: VerificationKey, alg: string, spec: AlgorithmSpec): boolean {
  return specFitsKey(spec, key.kty, key.crv) && (key.alg === undefined || key.alg === alg);
}

/** Verifies an asymmetric signature. Never throws: a signature crypto cannot read is just invalid. */
export function verifyAsymmetric(spec: AlgorithmSpec, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return false;
  try {
    return verify(spec.digest, input, verifyInput(key, spec), signature);
  } catch {
    return false;
  }
}

/** Verifies an HMAC in constant time. */
export function verifyHmac(spec: AlgorithmSpec, secret: KeyObject, input: Buffer, signature: Buffer): boolean {
  const expected = createHmac(spec.digest!, secret).update(input).digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}
