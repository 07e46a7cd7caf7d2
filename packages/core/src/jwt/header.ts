/** The header stage of the JWT path: an allowed `alg` and an accepted `typ`. */
import { InvalidTokenError } from '../errors/errors.js';
import type { JwtHeader } from '../types.js';
import { algorithmSpec, type AlgorithmSpec } from './algorithms.js';
import { checkTokenType } from './claims.js';

/**
 * The spec of the header's `alg` when the issuer allows it (`algorithm_not_allowed` otherwise), after
 * checking `typ` against the `tokenType` option.
 */
export function checkHeader(header: JwtHeader, algorithms: ReadonlySet<string>, tokenType: string | undefined, realm: string | undefined): AlgorithmSpec {
  const alg = header.alg;
  const spec = algorithms.has(alg) ? algorithmSpec(alg) : undefined;
  if (spec === undefined) throw new InvalidTokenError({ reason: 'algorithm_not_allowed', description: 'the token algorithm is not allowed', realm });
  checkTokenType(header, tokenType, realm);
  return spec;
}
