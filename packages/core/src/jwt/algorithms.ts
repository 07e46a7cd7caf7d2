/**
 * The JWS algorithms Portcullis verifies, and what each needs from `node:crypto` and from the key.
 * RFC 7518 §3 (RS*, PS*, ES*, HS*), RFC 8037 (EdDSA) and RFC 9864 (Ed25519).
 */
import { constants } from 'node:crypto';
import type { Algorithm, AsymmetricAlgorithm } from '../types.js';

export interface AlgorithmSpec {
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  /** Digest for `crypto.verify`; null for EdDSA (the curve fixes it). */
  readonly digest: string | null;
  /** Curves the key may have (EC and OKP). */
  readonly curves?: readonly string[];
  readonly padding?: number;
  readonly saltLength?: number;
  /** ECDSA signatures in JWS are r||s (IEEE P1363) of exactly this many bytes. */
  readonly signatureLength?: number;
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
const PKCS1 = { padding: constants.RSA_PKCS1_PADDING };

const SPECS: Readonly<Record<Algorithm, AlgorithmSpec>> = {
  RS256: { kty: 'RSA', digest: 'sha256', ...PKCS1 },
  RS384: { kty: 'RSA', digest: 'sha384', ...PKCS1 },
  RS512: { kty: 'RSA', digest: 'sha512', ...PKCS1 },
  PS256: { kty: 'RSA', digest: 'sha256', ...PSS },
  PS384: { kty: 'RSA', digest: 'sha384', ...PSS },
  PS512: { kty: 'RSA', digest: 'sha512', ...PSS },
  ES256: { kty: 'EC', digest: 'sha256', curves: ['P-256'], signatureLength: 64 },
  ES384: { kty: 'EC', digest: 'sha384', curves: ['P-384'], signatureLength: 96 },
  ES512: { kty: 'EC', digest: 'sha512', curves: ['P-521'], signatureLength: 132 },
  EdDSA: { kty: 'OKP', digest: null, curves: ['Ed25519', 'Ed448'] },
  Ed25519: { kty: 'OKP', digest: null, curves: ['Ed25519'], signatureLength: 64 },
  HS256: { kty: 'oct', digest: 'sha256' },
  HS384: { kty: 'oct', digest: 'sha384' },
  HS512: { kty: 'oct', digest: 'sha512' },
};

/** The default allow-list: every asymmetric algorithm. Never `none`; HS* only with a secret. */
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
];

export const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** The spec of a supported algorithm, or undefined (`none`, unknown names, prototype keys). */
export function algorithmSpec(alg: string): AlgorithmSpec | undefined {
  return Object.hasOwn(SPECS, alg) ? SPECS[alg as Algorithm] : undefined;
}

export function isSupportedAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && Object.hasOwn(SPECS, alg);
}

/** Whether a key of this type (and curve) can verify signatures of the algorithm `spec` describes. */
export function specFitsKey(spec: AlgorithmSpec, kty: string, crv: string | undefined): boolean {
  return spec.kty === kty && (spec.curves === undefined || (crv !== undefined && spec.curves.includes(crv)));
}
