/** A verified JWT becomes its AccessToken, and enters the token cache when it may. */
import type { VerificationKey } from '../crypto/backend.js';
import { jwtAccessToken } from '../jwt/access-token.js';
import type { ParsedJws } from '../jwt/jws.js';
import type { IssuerReading } from '../routing/issuer-options.js';
import type { AccessToken } from '../types.js';
import type { CachedToken, TokenCache } from './token-cache.js';

/** The AccessToken of a verified JWS, put in `cache` (when there is one and the token may stay). */
export function admitJwt<C extends object>(
  cache: TokenCache | undefined,
  token: string,
  jws: ParsedJws,
  issuer: { readonly issuer: string; readonly reading: IssuerReading },
  key: VerificationKey | undefined,
  nowMs: number,
  options: { readonly clockTolerance: number },
  realm: string | undefined,
): AccessToken<C> {
  const { claims, signature } = jws;
  // Verified, so the signature came from the issuer's key: its first bytes tell tokens apart.
  const tag = signature.length >= 4 ? signature.readUInt32LE(0) : signature.length;
  const ttl = cache === undefined ? 0 : cache.admit(token, claims.exp!, nowMs, options.clockTolerance, tag);
  const auth = jwtAccessToken<C>(token, jws, issuer, ttl > 0, realm);
  if (ttl > 0) {
    const entry: CachedToken = { auth, key, kid: jws.header.kid, exp: claims.exp!, nbf: claims.nbf, iat: claims.iat };
    cache!.set(token, entry, ttl);
  }
  return auth;
}
