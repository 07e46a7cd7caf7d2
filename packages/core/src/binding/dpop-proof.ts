/**
 * The checks RFC 9449 §4.3 makes of a DPoP proof, each failing with its own reason: a compact JWS with
 * `typ: dpop+jwt`, an allowed asymmetric `alg`, a public `jwk` that verifies the signature, `htm`, `htu`,
 * `iat` within the window, a `jti`, `ath` over the access token, and the server nonce when required.
 * The replay (`jti`) and key-binding (`cnf.jkt`) checks follow in sender-binding.ts.
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { LRUCache } from 'lru-cache';
import { InvalidDpopProofError, InvalidTokenError, UseDpopNonceError, type RejectReason } from '../errors/errors.js';
import { algorithmSpec } from '../jwt/algorithms.js';
import { normalizeMediaType } from '../jwt/claims.js';
import { keyFitsAlgorithm, someKeyVerifies } from '../jwt/signature.js';
import { importVerificationKey, type VerificationKey } from '../keys/jwk-import.js';
import { isCanonicalCompactJws } from '../lib/base64url.js';
import type { ResolvedDpop } from './dpop-options.js';
import { normalizeHtu } from './htu.js';

/** Longest proof read, in characters: a proof with an RSA-8192 key stays well under it. */
export const MAX_PROOF_LENGTH = 8192;
/** Longest `jti` accepted; RFC 9449 §11.1 asks for ~96 bits of randomness, far less than this. */
const MAX_JTI_LENGTH = 256;
/** JWK members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** What the request says the proof must match. */
export interface ProofContext {
  readonly method: string;
  /** The normalised request URI (htu.ts); undefined when it cannot be known safely. */
  readonly htu: string | undefined;
  /** The access token, for `ath`. */
  readonly token: string;
  readonly nowMs: number;
  /**
   * The token's `cnf.jkt`, when the token is known: the proof key is compared with it before the
   * signature is checked, so that a key the token does not name costs no signature check.
   */
  readonly jkt?: string | undefined;
}

/** A proof that passed every check of this file. */
export interface CheckedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key, compared with the token's `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
  readonly iat: number;
}

interface ProofKey {
  readonly key: VerificationKey;
  readonly jkt: string;
}

/**
 * Proof headers already verified once, by their exact base64url text: a client signs every proof with
 * the same key and header, so the key import and thumbprint are done once per client, not per request.
 */
const proofKeys = new LRUCache<string, ProofKey>({ max: 1024 });

function refuse(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidDpopProofError({ reason, description, realm });
}

function decodeObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `ath` as RFC 9449 §4.2 defines it: base64url of the SHA-256 of the ASCII access token.
 *
 * @example
 * ```ts
 * accessTokenHash('abc'); // 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'
 * ```
 */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

function member(object: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

async function proofKey(headerText: string, header: Record<string, unknown>, alg: string, realm: string | undefined): Promise<ProofKey> {
  const jwk = member(header, 'jwk');
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) refuse('dpop_invalid_jwk', 'the DPoP proof has no jwk header', realm);
  // A private key in the header is a client mistake that leaks the key: refused, never used (§4.3 check 7).
  for (const name of PRIVATE_MEMBERS) {
    if (Object.hasOwn(jwk, name)) refuse('dpop_private_jwk', 'the DPoP proof jwk must be a public key', realm);
  }
  const key = importVerificationKey(jwk);
  const spec = algorithmSpec(alg)!;
  if (key === undefined || !keyFitsAlgorithm(key, alg, spec)) refuse('dpop_invalid_jwk', 'the DPoP proof jwk is not a usable key for its alg', realm);
  let jkt: string;
  try {
    jkt = await calculateJwkThumbprint(jwk, 'sha256');
  } catch {
    return refuse('dpop_invalid_jwk', 'the DPoP proof jwk is not a usable key for its alg', realm);
  }
  return { key, jkt };
}

/**
 * Runs the proof checks of RFC 9449 §4.3 in the order the section lists them, except the replay check
 * and the comparison with `cnf.jkt`. Throws {@link InvalidDpopProofError} (or {@link UseDpopNonceError}).
 *
 * @example
 * ```ts
 * const proof = await checkDpopProof(header, { method: 'GET', htu, token, nowMs: Date.now() }, settings, realm);
 * ```
 */
export async function checkDpopProof(proof: string, context: ProofContext, settings: ResolvedDpop, realm: string | undefined): Promise<CheckedProof> {
  if (proof.length > MAX_PROOF_LENGTH) refuse('dpop_proof_malformed', 'the DPoP proof is too large', realm);
  const firstDot = proof.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : proof.indexOf('.', firstDot + 1);
  if (secondDot === -1 || !isCanonicalCompactJws(proof, firstDot, secondDot)) {
    refuse('dpop_proof_malformed', 'the DPoP proof is not a compact JWS', realm);
  }
  const headerText = proof.slice(0, firstDot);
  const header = decodeObject(headerText);
  const claims = decodeObject(proof.slice(firstDot + 1, secondDot));
  if (header === undefined || claims === undefined) refuse('dpop_proof_malformed', 'the DPoP proof is not a JWT', realm);
  if (member(header, 'crit') !== undefined || (member(header, 'b64') !== undefined && member(header, 'b64') !== true)) {
    refuse('dpop_proof_malformed', 'the DPoP proof has a header parameter that is not supported', realm);
  }

  const typ = member(header, 'typ');
  if (typeof typ !== 'string' || normalizeMediaType(typ) !== 'dpop+jwt') refuse('dpop_invalid_typ', 'the DPoP proof typ must be dpop+jwt', realm);
  const alg = member(header, 'alg');
  const spec = typeof alg === 'string' && settings.algorithms.has(alg) ? algorithmSpec(alg) : undefined;
  if (spec === undefined || spec.kty === 'oct') refuse('dpop_algorithm_not_allowed', 'the DPoP proof algorithm is not allowed', realm);

  let key = proofKeys.get(headerText);
  const cached = key !== undefined;
  key ??= await proofKey(headerText, header, alg as string, realm);
  // §7.1: a proof by another key than the one the token names is a failure of the token's binding.
  if (context.jkt !== undefined && key.jkt !== context.jkt) {
    throw new InvalidTokenError({ reason: 'dpop_key_mismatch', description: 'the DPoP proof key is not the key the token is bound to', realm });
  }
  const signingInput = Buffer.from(proof.slice(0, secondDot), 'latin1');
  if (!(await someKeyVerifies([key.key], alg as string, spec, signingInput, Buffer.from(proof.slice(secondDot + 1), 'base64url')))) {
    refuse('dpop_invalid_signature', 'the DPoP proof signature is invalid', realm);
  }
  if (!cached) proofKeys.set(headerText, key);

  const jti = member(claims, 'jti');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) refuse('dpop_jti_invalid', 'the DPoP proof jti is missing or invalid', realm);
  if (member(claims, 'htm') !== context.method) refuse('dpop_htm_mismatch', 'the DPoP proof htm does not match the request method', realm);
  const htu = member(claims, 'htu');
  if (typeof htu !== 'string' || context.htu === undefined || normalizeHtu(htu) !== context.htu) {
    refuse('dpop_htu_mismatch', 'the DPoP proof htu does not match the request URI', realm);
  }
  if (settings.nonces !== undefined) {
    const nonce = member(claims, 'nonce');
    if (nonce === undefined) throw new UseDpopNonceError({ reason: 'dpop_nonce_required', nonce: settings.nonces.current(context.nowMs), realm });
    if (!settings.nonces.accepts(nonce, context.nowMs)) {
      throw new UseDpopNonceError({ reason: 'dpop_nonce_invalid', nonce: settings.nonces.current(context.nowMs), realm });
    }
  }
  const iat = member(claims, 'iat');
  const now = context.nowMs / 1000;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > now + settings.clockTolerance || iat < now - settings.proofMaxAge - settings.clockTolerance) {
    refuse('dpop_iat_invalid', 'the DPoP proof iat is missing or outside the accepted window', realm);
  }
  if (member(claims, 'ath') !== accessTokenHash(context.token)) refuse('dpop_ath_mismatch', 'the DPoP proof ath does not match the access token', realm);
  return { jkt: key.jkt, jti, iat };
}
