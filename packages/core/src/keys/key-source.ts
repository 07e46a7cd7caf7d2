/** The interface of a key source: where a verifier gets an issuer's public keys. */
import type { VerificationKey } from './jwk-import.js';

/**
 * Where a verifier gets an issuer's keys: the JWKS cache by default, or your own (`keySource` in an
 * issuer configuration), e.g. keys from a file or a cache shared between processes.
 *
 * @example
 * ```ts
 * const key = importVerificationKey(jwk)!;
 * const keySource: KeySource = { peek: () => [key], load: async () => [key] };
 * createVerifier({ issuer: [{ issuer: 'https://auth.example.com/', keySource }], audience: 'api' });
 * ```
 */
export interface KeySource {
  /**
   * Keys for `kid` (all keys when undefined) if they can be had without waiting; else undefined.
   * A throw is a 503 `keys_unavailable`, as for `load`.
   */
  peek(kid: string | undefined): readonly VerificationKey[] | undefined;
  /**
   * Keys for `kid`, fetching if needed; `[]` when still unknown. Bounded like a JWKS fetch: a load
   * that does not settle within `jwks.timeout`, rejects, or throws is a 503 `keys_unavailable` with
   * `Retry-After` (`jwks.errorCooldown`) and the verifier's `keys_unavailable` event; a
   * `KeysUnavailableError` (or another `AuthError`) you throw is answered as it is.
   */
  load(kid: string | undefined): Promise<readonly VerificationKey[]>;
}
