/**
 * The node:crypto signature backend: public keys imported once per JWK as `KeyObject`s, signatures
 * checked with `crypto.verify`, HMACs with `createHmac` and a constant-time comparison. Synchronous, so
 * that a token whose key is cached is judged without an await.
 */
import { constants, createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { algorithmSpec, type AlgorithmSpec } from '../jwt/algorithms.js';
import type { KeyFacts, PublicJwk, SignatureBackend, VerificationKey } from './backend.js';

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
 * Verifies an asymmetric signature with a `KeyObject`. Never throws: a signature crypto cannot read is
 * just invalid.
 */
function verifyWithKeyObject(spec: AlgorithmSpec, key: KeyObject, input: Uint8Array, signature: Uint8Array): boolean {
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return false;
  try {
    return verify(spec.digest, input, verifyInput(key, spec), signature);
  } catch {
    return false;
  }
}

/**
 * The node:crypto backend.
 *
 * @example
 * ```ts
 * const ok = nodeBackend.verify('RS256', key, signingInput, signature); // a boolean, at once
 * ```
 */
export const nodeBackend: SignatureBackend = Object.freeze({
  name: 'node:crypto',
  importKey(jwk: PublicJwk, facts: KeyFacts): VerificationKey | undefined {
    let keyObject: KeyObject;
    try {
      keyObject = createPublicKey({ key: jwk as Record<string, string>, format: 'jwk' });
    } catch {
      return undefined;
    }
    const { kid, alg } = facts;
    const crv = jwk.kty === 'RSA' ? undefined : jwk.crv;
    if (jwk.kty === 'RSA') {
      // The shared checks measured the modulus from `n`; node:crypto's own reading must agree.
      const bits = keyObject.asymmetricKeyDetails?.modulusLength;
      if (bits === undefined || bits !== facts.modulusBits) return undefined;
      return Object.freeze({ kid, kty: jwk.kty, crv, alg, keyObject, modulusBits: bits });
    }
    return Object.freeze({ kid, kty: jwk.kty, crv, alg, keyObject });
  },
  verify(alg: string, key: VerificationKey, signingInput: Uint8Array, signature: Uint8Array): boolean {
    const spec = algorithmSpec(alg);
    return spec !== undefined && spec.kty !== 'oct' && verifyWithKeyObject(spec, key.keyObject, signingInput, signature);
  },
});

/**
 * Verifies an HMAC (HS256/384/512) in constant time. Symmetric secrets are configured as node:crypto
 * `KeyObject`s (options.ts), so this stays with the node:crypto backend.
 */
export function verifyHmac(spec: AlgorithmSpec, secret: KeyObject, input: Uint8Array, signature: Uint8Array): boolean {
  const expected = createHmac(spec.digest!, secret).update(input).digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}
