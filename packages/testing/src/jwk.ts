// The JWK type of this package's public API (a file of its own: types.ts and dpop-key.ts both use it).

/**
 * A JSON Web Key (RFC 7517): `kty` and the members of the key, as this package publishes and accepts them.
 * Its own type, so that the published types compile with every `@types/node` (25 and later no longer
 * export `JsonWebKey` from `node:crypto`).
 *
 * @example
 * ```ts
 * const jwk: Jwk = { kty: 'EC', crv: 'P-256', x: '…', y: '…' };
 * ```
 */
export interface Jwk {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  [member: string]: unknown;
}
