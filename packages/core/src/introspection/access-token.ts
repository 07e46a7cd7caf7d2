/** The opaque path's product: the members of an introspection answer as an {@link AccessToken}. */
import type { IssuerReading } from '../routing/issuer-options.js';
import { firstStringClaim } from '../scopes/grants.js';
import type { AccessToken, JwtClaims, JwtHeader } from '../types.js';

/** An opaque token has no JOSE header; handlers and `validate` get this one. */
export const OPAQUE_HEADER: JwtHeader = Object.freeze({ alg: '' });

/**
 * The AccessToken of an introspected token. `header` is the JWT's for a JWT the issuer introspects,
 * undefined for an opaque token; `claims` are frozen already.
 */
export function introspectedAccessToken<C extends object>(
  token: string,
  claims: JwtClaims,
  issuer: string,
  header: JwtHeader | undefined,
  cacheTtlMs: number,
  reading: IssuerReading,
): AccessToken<C> {
  const aud = claims.aud;
  const exp = claims.exp ?? Math.floor(Date.now() / 1000 + cacheTtlMs / 1000);
  const cnf = claims.cnf;
  return Object.freeze({
    token,
    header: header ?? OPAQUE_HEADER,
    claims: claims as unknown as AccessToken<C>['claims'],
    scopes: reading.scopes.read(claims),
    roles: reading.roles.read(claims),
    subject: claims.sub,
    clientId: firstStringClaim(claims, reading.clientIdClaims),
    tenant: undefined,
    issuer,
    audience: Object.freeze(typeof aud === 'string' ? [aud] : (aud ?? [])),
    expiresAt: new Date(exp * 1000),
    format: header === undefined ? ('opaque' as const) : ('jwt' as const),
    cnf: typeof cnf === 'object' && cnf !== null ? (cnf as Readonly<Record<string, unknown>>) : undefined,
  });
}
