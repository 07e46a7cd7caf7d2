/** JWS signing for the fake issuer's tokens and the DPoP proofs of tests (moved out of mint.ts: dpop.ts needs it without mint.ts). */
import { constants, createHmac, sign, type KeyObject } from 'node:crypto';
import type { MintAlgorithm } from './types.js';

const HASH_OF: Partial<Record<MintAlgorithm, string>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
};

/**
 * Signs `input` the way JWS (RFC 7518) specifies for `alg`; an empty signature for `none`.
 *
 * @example
 * ```ts
 * const signature = signJws('ES256', Buffer.from('header.payload'), privateKey);
 * signature.length; // 64: ES* signatures are r||s, not DER
 * ```
 */
export function signJws(alg: MintAlgorithm, input: Buffer, key: KeyObject | string | Uint8Array): Buffer {
  if (alg === 'none') return Buffer.alloc(0);
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, input, key as KeyObject);
  const hash = HASH_OF[alg]!;
  switch (alg.slice(0, 2)) {
    case 'HS':
      return createHmac(hash, key).update(input).digest();
    case 'PS':
      return sign(hash, input, {
        key: key as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case 'ES':
      return sign(hash, input, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
    default:
      return sign(hash, input, key as KeyObject);
  }
}
