/** A client's DPoP key and the proof algorithms (moved out of dpop.ts so that types.ts and binding.ts can name it without a circle). */
import type { JsonWebKey, KeyObject } from 'node:crypto';

/**
 * The DPoP proof algorithms of the fake issuer: {@link createDpopKey} makes keys for each, its token
 * endpoint accepts proofs signed with each (and no other), and its metadata advertises exactly these as
 * `dpop_signing_alg_values_supported` (RFC 9449 §5.1). One list, so the three cannot drift apart.
 *
 * @example
 * ```ts
 * for (const alg of DPOP_PROOF_ALGORITHMS) createDpopProof({ key: createDpopKey(alg), htm: 'POST', htu: issuer.tokenEndpoint });
 * ```
 */
export const DPOP_PROOF_ALGORITHMS = Object.freeze(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'] as const);

/**
 * Algorithms {@link createDpopKey} makes keys for: those of {@link DPOP_PROOF_ALGORITHMS}.
 *
 * @example
 * ```ts
 * const alg: DpopAlgorithm = 'EdDSA';
 * ```
 */
export type DpopAlgorithm = (typeof DPOP_PROOF_ALGORITHMS)[number];

/**
 * A client's DPoP key pair.
 *
 * @example
 * ```ts
 * const key = createDpopKey('ES256');
 * const token = issuer.mint({}, { dpopKey: key });
 * ```
 */
export interface DpopKey {
  readonly alg: DpopAlgorithm;
  readonly privateKey: KeyObject;
  /** The public JWK the proof header carries (`kty` and the key members only). */
  readonly publicJwk: JsonWebKey;
  /** RFC 7638 SHA-256 thumbprint of `publicJwk`: the `cnf.jkt` of tokens bound to this key. */
  readonly thumbprint: string;
}
