/**
 * The audience stand-in of providers whose access tokens carry no `aud` (Amazon Cognito puts the app's
 * client id in `client_id`), and required claim values (Cognito's `token_use: 'access'`, which tells
 * an access token from the pool's ID token).
 */
import { InvalidTokenError } from '../errors/errors.js';
import type { AudienceClaim } from '../routing/issuer-options.js';
import type { JwtClaims } from '../types.js';

/** Throws a 401 `invalid_audience` unless `claims[claim]` is a string among the allowed `values`. */
export function checkAudienceClaim(claims: JwtClaims, stand: Readonly<AudienceClaim>, realm: string | undefined): void {
  const value = Object.hasOwn(claims, stand.claim) ? claims[stand.claim] : undefined;
  if (typeof value !== 'string' || !stand.values.includes(value)) {
    throw new InvalidTokenError({
      reason: 'invalid_audience',
      description: value === undefined ? `the token has no ${stand.claim} claim` : 'the token audience is not accepted',
      realm,
    });
  }
}

/** Throws a 401 `invalid_claim` unless every named claim has exactly its value. */
export function checkRequiredClaimValues(
  claims: JwtClaims,
  required: readonly (readonly [string, string | number | boolean])[],
  realm: string | undefined,
): void {
  for (const [name, value] of required) {
    const actual = Object.hasOwn(claims, name) ? claims[name] : undefined;
    if (actual !== value) {
      throw new InvalidTokenError({
        reason: actual === undefined ? 'missing_claim' : 'invalid_claim',
        description: actual === undefined ? `the token has no ${name} claim` : `the token ${name} claim is not accepted`,
        realm,
      });
    }
  }
}
