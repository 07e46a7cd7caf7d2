/** Signature verification with `node:crypto` on key objects imported once per JWK. */
import { constants, createHmac, timingSafeEqual, verify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { specFitsKey, type AlgorithmSpec } from './algorithms.js';
import type { VerificationKey } from '../keys/jwk-import.js';

/** Per key object, the `crypto.verify` key argument for each algorithm, built on first use. */
const verifyInputs = new WeakMap<KeyObject, Map<AlgorithmSpec, VerifyKeyObjectInput | KeyObject>>();

/** The last answer of verifyInput: an issuer signs most tokens with one key and one algorithm. */
let lastKey: KeyObject | undefined;
let lastSpec: AlgorithmSpec | undefined;
let lastInput: VerifyKeyObjectInput | KeyObject | undefined;

function verifyInput(key: KeyObject, spec: AlgorithmSpec): VerifyKeyObjectInput | KeyObject {
  if (key === lastKey && spec === lastSpec) return lastInput!;
  let byAlg = verifyInputs.get(key);
  if (byAlg === undefined) {
    byAlg = new Map();
    verifyInputs.set(key, byAlg);
  }
  let input = byAlg.get(spec);
  if (input === undefined) {
    // PKCS#1 v1.5 is what crypto.verify does with a plain RSA key by default (not with an RSA-PSS one),
    // and EdDSA takes no option: the bare KeyObject then spares Node reading options on every call.
    const plainRsa = spec.kty === 'RSA' && spec.padding === constants.RSA_PKCS1_PADDING && key.asymmetricKeyType === 'rsa';
    if (plainRsa || spec.kty === 'OKP') input = key;
    else {
      const options: VerifyKeyObjectInput = { key };
      if (spec.padding !== undefined) options.padding = spec.padding;
      if (spec.saltLength !== undefined) options.saltLength = spec.saltLength;
      if (spec.kty === 'EC') options.dsaEncoding = 'ieee-p1363';
      input = options;
    }
    byAlg.set(spec, input);
  }
  lastKey = key;
  lastSpec = spec;
  lastInput = input;
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
