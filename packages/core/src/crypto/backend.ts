/**
 * The one interface between Portcullis and a signature library. Everything that checks an asymmetric
 * signature (access tokens in jwt/, signed introspection responses in introspection/, DPoP proofs in
 * binding/) calls the backend that {@link signatureBackend} returns; nothing else imports a crypto API.
 * The checks a key must pass before it is imported (RSA modulus size and exponent, curve, `use` and
 * `key_ops`, `alg` against `kty`) are shared: keys/jwk-import.ts runs them, then hands the backend only
 * the public members of a key that passed.
 */
import type { KeyObject } from 'node:crypto';

/**
 * A public signature key from a JWKS (the backend's key handle), imported once and reused for every
 * token it verifies.
 */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly kty: 'RSA' | 'EC' | 'OKP';
  /** The curve of an EC or OKP key. */
  readonly crv: string | undefined;
  /** The JWK's `alg` when present (already checked to suit the key type and curve). */
  readonly alg: string | undefined;
  /** The public key, imported once per JWK by the node:crypto signature backend (crypto/node.ts). */
  readonly keyObject: KeyObject;
  /** The modulus length of an RSA key. */
  readonly modulusBits?: number;
}

/** A value a backend may answer at once or later: a synchronous backend keeps the fast path free of awaits. */
export type MaybePromise<T> = T | Promise<T>;

/** The public members of a JWK that passed the shared checks: what a backend imports, and nothing else. */
export type PublicJwk =
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string }
  | { readonly kty: 'EC'; readonly crv: string; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: string; readonly x: string };

/** What the shared checks learned of a key, handed to the backend with its members. */
export interface KeyFacts {
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  /** The modulus length of an RSA key (already within the allowed range). */
  readonly modulusBits: number | undefined;
}

/**
 * A signature backend: imports public keys and verifies JWS signatures (RFC 7515, RFC 7518 §3, RFC 8037).
 *
 * - `importKey` runs once per JWK (the JWKS cache keeps its result while the JWK is unchanged). It is
 *   synchronous: a backend whose library imports per algorithm (WebCrypto: RSASSA-PKCS1-v1_5 or RSA-PSS,
 *   and the hash) keeps the members in its handle and imports lazily in `verify`, once per key and
 *   algorithm, caching the result (a `WeakMap` keyed by the {@link VerificationKey} does it).
 * - `verify` answers `true` or `false` and never throws or rejects: a signature the library cannot read
 *   is an invalid one. It may answer at once (node:crypto) or with a promise (WebCrypto); callers keep a
 *   synchronous answer synchronous.
 *
 * @example
 * ```ts
 * const key = backend.importKey({ kty: 'EC', crv: 'P-256', x, y }, { kid: 'k1', alg: 'ES256', modulusBits: undefined });
 * const ok = key !== undefined && (await backend.verify('ES256', key, signingInput, signature));
 * ```
 */
export interface SignatureBackend {
  /** A short name for diagnostics, e.g. `node:crypto`. */
  readonly name: string;
  /** Imports a checked public key; undefined when its members do not form a valid key. */
  importKey(jwk: PublicJwk, facts: KeyFacts): VerificationKey | undefined;
  /**
   * Verifies `signature` over `signingInput` with `key` for the JWS algorithm `alg` (the caller has
   * already checked that `alg` is allowed and fits the key).
   */
  verify(alg: string, key: VerificationKey, signingInput: Uint8Array, signature: Uint8Array): MaybePromise<boolean>;
}
