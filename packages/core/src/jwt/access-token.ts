/** The claims stage's product: a verified JWT as the frozen {@link AccessToken} handlers get. */
import { deepFreeze } from '../cache/token-cache.js';
import { InvalidTokenError } from '../errors/errors.js';
import type { IssuerReading } from '../routing/issuer-options.js';
import { firstStringClaim } from '../scopes/grants.js';
import type { AccessToken } from '../types.js';
import type { ParsedJws } from './jws.js';

/**
 * Builds the AccessToken of a verified JWS, read the way its issuer's options say (grants, client id,
 * tenant); `cached` when it goes into the token cache.
 */
export function jwtAccessToken<C extends object>(
  token: string,
  jws: ParsedJws,
  configured: { readonly issuer: string; readonly reading: IssuerReading },
  cached: boolean,
  realm: string | undefined,
): AccessToken<C> {
  // Frozen: with the token cache one object serves every request that carries this token.
  const claims = deepFreeze(jws.claims);
  const aud = claims.aud;
  const cnf: unknown = claims.cnf;
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))) {
    throw new InvalidTokenError({ reason: 'invalid_claim', description: 'the token cnf claim is not an object', realm });
  }
  const { reading } = configured;
  const scopes = reading.scopes.read(claims);
  const roles = reading.roles.read(claims);
  const clientId = firstStringClaim(claims, reading.clientIdClaims);
  // Through a template, the tenant's own issuer (checked against `tid` when the issuer was chosen).
  const template = reading.template !== undefined;
  const issuer = template ? claims.iss! : configured.issuer;
  const tenant = template ? (claims.tid as string) : undefined;
  // Two literals, the same fields: V8 pretenures by allocation site, and the objects that go into
  // the token cache live long while the others die young (see TokenCache.set).
  if (cached) {
    return Object.freeze({
      token,
      header: jws.header,
      claims: claims as unknown as AccessToken<C>['claims'],
      scopes,
      roles,
      subject: claims.sub,
      clientId,
      tenant,
      issuer,
      audience: Object.freeze(typeof aud === 'string' ? [aud] : (aud ?? [])),
      expiresAt: new Date(claims.exp! * 1000),
      format: 'jwt' as const,
      cnf: cnf as Readonly<Record<string, unknown>> | undefined,
    });
  }
  return Object.freeze({
    token,
    header: jws.header,
    claims: claims as unknown as AccessToken<C>['claims'],
    scopes,
    roles,
    subject: claims.sub,
    clientId,
    tenant,
    issuer,
    audience: Object.freeze(typeof aud === 'string' ? [aud] : (aud ?? [])),
    expiresAt: new Date(claims.exp! * 1000),
    format: 'jwt' as const,
    cnf: cnf as Readonly<Record<string, unknown>> | undefined,
  });
}
