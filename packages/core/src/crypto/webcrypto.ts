/**
 * JWS signature verification with WebCrypto (`crypto.subtle`), for runtimes whose node:crypto cannot
 * verify every algorithm: workerd's `crypto.verify` throws on RSA-PSS and on ECDSA with
 * `dsaEncoding: 'ieee-p1363'`, while its `crypto.subtle` verifies all of RFC 7518 §3 and RFC 8037.
 *
 * A public key is imported once per key and algorithm (WebCrypto binds a `CryptoKey` to one algorithm
 * and hash: RSASSA-PKCS1-v1_5 or RSA-PSS, SHA-256/384/512) and the promise of it is kept in a `WeakMap`
 * keyed by the key holder, so a key dropped from the JWKS is collected with its imports. JWS ECDSA
 * signatures are the raw `r || s` WebCrypto expects, so they are passed as they are (after a length check).
 */
import type { webcrypto } from 'node:crypto';

type SubtleCrypto = webcrypto.SubtleCrypto;
type CryptoKey = webcrypto.CryptoKey;
type ImportParams = webcrypto.AlgorithmIdentifier | webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.HmacImportParams;
type VerifyParams = webcrypto.AlgorithmIdentifier | webcrypto.RsaPssParams | webcrypto.EcdsaParams;

/** The public members of a checked JWK (the shared checks of keys/jwk-import.ts ran before). */
export type WebCryptoPublicJwk =
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string }
  | { readonly kty: 'EC'; readonly crv: string; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: string; readonly x: string };

/** How WebCrypto names one JWS algorithm: the import parameters and the verify parameters. */
interface SubtleAlgorithm {
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  readonly importParams: (jwk: WebCryptoPublicJwk | undefined) => ImportParams;
  readonly verifyParams: VerifyParams;
  /** ECDSA and Ed25519 signatures have exactly this many bytes. */
  readonly signatureLength?: number;
}

const rsa = (name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS', bits: 256 | 384 | 512): SubtleAlgorithm => ({
  kty: 'RSA',
  importParams: () => ({ name, hash: `SHA-${bits}` }),
  // RFC 7518 §3.5: the PSS salt is as long as the hash.
  verifyParams: name === 'RSA-PSS' ? { name, saltLength: bits / 8 } : { name },
});
const ecdsa = (curve: 'P-256' | 'P-384' | 'P-521', bits: 256 | 384 | 512, signatureLength: number): SubtleAlgorithm => ({
  kty: 'EC',
  importParams: () => ({ name: 'ECDSA', namedCurve: curve }),
  verifyParams: { name: 'ECDSA', hash: `SHA-${bits}` },
  signatureLength,
});
// EdDSA names the curve in the key (RFC 8037): Ed25519, or Ed448 where the runtime has it.
const eddsa: SubtleAlgorithm = {
  kty: 'OKP',
  importParams: (jwk) => ({ name: jwk !== undefined && jwk.kty === 'OKP' ? jwk.crv : 'Ed25519' }),
  verifyParams: { name: 'Ed25519' },
};
const hmac = (bits: 256 | 384 | 512): SubtleAlgorithm => ({
  kty: 'oct',
  importParams: () => ({ name: 'HMAC', hash: `SHA-${bits}` }),
  verifyParams: { name: 'HMAC' },
});

const ALGORITHMS: Readonly<Record<string, SubtleAlgorithm>> = {
  RS256: rsa('RSASSA-PKCS1-v1_5', 256),
  RS384: rsa('RSASSA-PKCS1-v1_5', 384),
  RS512: rsa('RSASSA-PKCS1-v1_5', 512),
  PS256: rsa('RSA-PSS', 256),
  PS384: rsa('RSA-PSS', 384),
  PS512: rsa('RSA-PSS', 512),
  ES256: ecdsa('P-256', 256, 64),
  ES384: ecdsa('P-384', 384, 96),
  ES512: ecdsa('P-521', 512, 132),
  EdDSA: eddsa,
  Ed25519: { ...eddsa, importParams: () => ({ name: 'Ed25519' }), signatureLength: 64 },
  HS256: hmac(256),
  HS384: hmac(384),
  HS512: hmac(512),
};

function subtleAlgorithm(alg: string): SubtleAlgorithm | undefined {
  return Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
}

/** The `SubtleCrypto` of this runtime, or undefined (Node before 19 without the global, old browsers). */
export function subtleCrypto(): SubtleCrypto | undefined {
  const crypto = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto;
  return crypto?.subtle;
}

/** Per key holder, the import for each algorithm; `undefined` when the runtime refused the key. */
const imports = new WeakMap<object, Map<string, Promise<CryptoKey | undefined>>>();
/** The settled imports (`null`: refused), so that a verification with a known key awaits nothing else. */
const imported = new WeakMap<object, Map<string, CryptoKey | null>>();
const FALSE = Promise.resolve(false);

/**
 * The `CryptoKey` of `jwk` for `alg`, imported on first use and cached per `holder` (the verification
 * key the JWK belongs to) and algorithm. Resolves to `undefined`, once, when the runtime refuses the key
 * (e.g. Ed448 on workerd) or `alg` does not fit it.
 *
 * @example
 * ```ts
 * const cryptoKey = await importWebCryptoKey(verificationKey, verificationKey.jwk, 'PS256');
 * ```
 */
export function importWebCryptoKey(holder: object, jwk: WebCryptoPublicJwk, alg: string): Promise<CryptoKey | undefined> {
  let byAlg = imports.get(holder);
  if (byAlg === undefined) {
    byAlg = new Map();
    imports.set(holder, byAlg);
  }
  let pending = byAlg.get(alg);
  if (pending === undefined) {
    pending = importOnce(jwk, alg).then((key) => {
      let settled = imported.get(holder);
      if (settled === undefined) imported.set(holder, (settled = new Map<string, CryptoKey | null>()));
      settled.set(alg, key ?? null);
      return key;
    });
    byAlg.set(alg, pending);
  }
  return pending;
}

async function importOnce(jwk: WebCryptoPublicJwk, alg: string): Promise<CryptoKey | undefined> {
  const spec = subtleAlgorithm(alg);
  const subtle = subtleCrypto();
  if (spec === undefined || spec.kty !== jwk.kty || subtle === undefined) return undefined;
  try {
    // Only the public members, no `alg`/`use`/`key_ops`: the shared checks have judged those already.
    return await subtle.importKey('jwk', { ...jwk, ext: true } as webcrypto.JsonWebKey, spec.importParams(jwk), false, ['verify']);
  } catch {
    return undefined;
  }
}

/**
 * Verifies a JWS signature with WebCrypto. Never rejects: a key the runtime cannot import or a signature
 * it cannot read is an invalid signature.
 *
 * @example
 * ```ts
 * const ok = await verifyWebCrypto('ES256', key, key.jwk, signingInput, signature);
 * ```
 */
export function verifyWebCrypto(alg: string, holder: object, jwk: WebCryptoPublicJwk, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const spec = subtleAlgorithm(alg);
  if (spec === undefined || spec.kty === 'oct') return FALSE;
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return FALSE;
  // The common case, a key already imported, goes straight to crypto.subtle: one promise, no extra hop.
  const known = imported.get(holder)?.get(alg);
  if (known === null) return FALSE;
  if (known !== undefined) return subtleVerify(spec, known, signingInput, signature);
  return importWebCryptoKey(holder, jwk, alg).then((key) => (key === undefined ? false : subtleVerify(spec, key, signingInput, signature)));
}

function subtleVerify(spec: SubtleAlgorithm, key: CryptoKey, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const verifyParams = spec.kty === 'OKP' ? { name: key.algorithm.name } : spec.verifyParams;
  try {
    return subtleCrypto()!.verify(verifyParams, key, signature, signingInput).catch(() => false);
  } catch {
    return FALSE;
  }
}

/** HMAC keys per secret holder and algorithm. */
const hmacKeys = new WeakMap<object, Map<string, Promise<CryptoKey | undefined>>>();

/**
 * Verifies an HMAC (HS256/384/512) with WebCrypto, whose `verify` compares in constant time. The key is
 * imported once per `holder` (the configured secret's owner) and algorithm.
 *
 * @example
 * ```ts
 * const ok = await verifyHmacWebCrypto('HS256', issuerConfig, secretBytes, signingInput, signature);
 * ```
 */
export async function verifyHmacWebCrypto(alg: string, holder: object, secret: Uint8Array, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const spec = subtleAlgorithm(alg);
  const subtle = subtleCrypto();
  if (spec === undefined || spec.kty !== 'oct' || subtle === undefined) return false;
  let byAlg = hmacKeys.get(holder);
  if (byAlg === undefined) {
    byAlg = new Map();
    hmacKeys.set(holder, byAlg);
  }
  let imported = byAlg.get(alg);
  if (imported === undefined) {
    imported = subtle
      .importKey('raw', secret, spec.importParams(undefined), false, ['verify'])
      .catch(() => undefined);
    byAlg.set(alg, imported);
  }
  const key = await imported;
  if (key === undefined) return false;
  try {
    return await subtle.verify('HMAC', key, signature, signingInput);
  } catch {
    return false;
  }
}
