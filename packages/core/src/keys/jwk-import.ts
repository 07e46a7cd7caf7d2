/**
 * Turns one JWKS entry into a verification key, or skips it. Only asymmetric signature keys are kept:
 * a JWKS is public, so a symmetric (`oct`) key found there is never trusted. The checks here are shared
 * by every signature backend; the backend (crypto/) only imports the public members of a key that passed.
 */
import type { PublicJwk, VerificationKey } from '../crypto/backend.js';
import { signatureBackend } from '../crypto/default.js';
import { algorithmSpec, specFitsKey } from '../jwt/algorithms.js';

export type { VerificationKey } from '../crypto/backend.js';

/** RSA keys shorter than this are skipped, as `jose` and RFC 7518 §3.3 require. */
export const MIN_RSA_MODULUS_BITS = 2048;
/**
 * RSA keys longer than this are skipped: verifying with them costs too much for no security gain (the
 * cost grows with the square of the modulus length), and no issuer publishes more.
 */
export const MAX_RSA_MODULUS_BITS = 8192;
/** FIPS 186-5 §5.4: 2^16 < e < 2^256. A huge exponent makes each signature check thousands of times dearer. */
const MIN_RSA_EXPONENT = 2n ** 16n;
const MAX_RSA_EXPONENT = 2n ** 256n;

const EC_CURVES: ReadonlySet<string> = new Set(['P-256', 'P-384', 'P-521']);
const OKP_CURVES: ReadonlySet<string> = new Set(['Ed25519', 'Ed448']);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Imports one JWK as a {@link VerificationKey}, or returns `undefined` when it is not a usable public
 * signature key: not an object; `kty` other than RSA, EC or OKP; `use` other than `sig`; `key_ops`
 * without `verify`; an unsupported curve (EC: P-256, P-384, P-521; OKP: Ed25519, Ed448); an RSA
 * modulus under 2048 or over 8192 bits; an RSA public exponent that is even or outside FIPS 186-5's
 * 2^16 < e < 2^256; a
 * non-string `kid` or `alg`; an `alg` that does not fit the key; or
 * members that do not form a valid key. Private members are ignored: only the public ones are read.
 *
 * @example
 * ```ts
 * const keys = jwks.keys.map(importVerificationKey).filter((k) => k !== undefined);
 * ```
 */
export function importVerificationKey(jwk: unknown): VerificationKey | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const member = (name: string): unknown => (Object.hasOwn(jwk, name) ? (jwk as Record<string, unknown>)[name] : undefined);

  const kty = member('kty');
  const kid = member('kid');
  const alg = member('alg');
  const use = member('use');
  const keyOps = member('key_ops');
  if (kid !== undefined && typeof kid !== 'string') return undefined;
  if (alg !== undefined && typeof alg !== 'string') return undefined;
  if (use !== undefined && use !== 'sig') return undefined;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return undefined;

  let publicJwk: PublicJwk;
  let crv: string | undefined;
  let modulusBits: number | undefined;
  switch (kty) {
    case 'RSA': {
      const n = member('n');
      const e = member('e');
      if (!isBase64url(n) || !isBase64url(e) || !isUsableRsaExponent(e, n)) return undefined;
      modulusBits = bitLength(n);
      if (modulusBits < MIN_RSA_MODULUS_BITS || modulusBits > MAX_RSA_MODULUS_BITS) return undefined;
      publicJwk = { kty, n, e };
      break;
    }
    case 'EC': {
      const c = member('crv');
      const x = member('x');
      const y = member('y');
      if (typeof c !== 'string' || !EC_CURVES.has(c) || !isBase64url(x) || !isBase64url(y)) return undefined;
      crv = c;
      publicJwk = { kty, crv: c, x, y };
      break;
    }
    case 'OKP': {
      const c = member('crv');
      const x = member('x');
      if (typeof c !== 'string' || !OKP_CURVES.has(c) || !isBase64url(x)) return undefined;
      crv = c;
      publicJwk = { kty, crv: c, x };
      break;
    }
    default:
      return undefined;
  }
  if (alg !== undefined && !algorithmFits(alg, kty, crv)) return undefined;
  return signatureBackend().importKey(publicJwk, { kid, alg, modulusBits });
}

/**
 * A string naming the public members of a JWK, so that an unchanged key can keep its `KeyObject`
 * across refreshes. `undefined` when the value is not an object.
 *
 * @example
 * ```ts
 * jwkFingerprint(jwk) === jwkFingerprint({ ...jwk }); // true
 * ```
 */
export function jwkFingerprint(jwk: unknown): string | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const record = jwk as Record<string, unknown>;
  const parts = ['kty', 'crv', 'n', 'e', 'x', 'y', 'kid', 'alg', 'use'].map((name) => {
    const value = Object.hasOwn(record, name) ? record[name] : undefined;
    return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  });
  const ops = Object.hasOwn(record, 'key_ops') ? JSON.stringify(record['key_ops']) : '';
  return `${parts.join('.')}.${ops}`;
}

/**
 * RFC 8017 §3.1 and FIPS 186-5 §5.4: the public exponent is odd, 2^16 < e < 2^256, and below the modulus.
 * Node imports `e = 1` without complaint, and with it a "signature" that is merely the PKCS#1 v1.5 padding
 * of the token's own hash verifies. A huge exponent makes every check dearer: with e = 2^2000 + 1 an RSA-2048
 * check took 47 times as long as with e = 65537 (Node 20, this project's 2-CPU machine).
 */
function isUsableRsaExponent(e: string, n: string): boolean {
  // Bounded before BigInt: 2^256 needs 33 bytes, 43 base64url characters at most hold 32.
  if (e.length > 44) return false;
  const exponent = BigInt(`0x0${Buffer.from(e, 'base64url').toString('hex')}`);
  const modulus = BigInt(`0x0${Buffer.from(n, 'base64url').toString('hex')}`);
  return (exponent & 1n) === 1n && exponent > MIN_RSA_EXPONENT && exponent < MAX_RSA_EXPONENT && exponent < modulus;
}

/** The bit length of a base64url big-endian unsigned integer (leading zero bytes do not count). */
function bitLength(value: string): number {
  const bigint = BigInt(`0x0${Buffer.from(value, 'base64url').toString('hex')}`);
  return bigint === 0n ? 0 : bigint.toString(2).length;
}

function isBase64url(value: unknown): value is string {
  return typeof value === 'string' && BASE64URL.test(value);
}

/**
 * Whether a JWK `alg` names a JWS signature algorithm this key can verify: the same table the
 * verifier uses (algorithms.ts), so a key kept here is a key some allowed token can use.
 */
function algorithmFits(alg: string, kty: 'RSA' | 'EC' | 'OKP', crv: string | undefined): boolean {
  const spec = algorithmSpec(alg);
  return spec !== undefined && specFitsKey(spec, kty, crv);
}
