/**
 * From a Portcullis {@link AccessToken} to the SDK's `AuthInfo`, the shape the SDK's transport hands
 * to tools as `extra.authInfo`.
 */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AccessToken, JwtClaims } from '@portcullis/core';

/**
 * What `AuthInfo.extra` holds: the verified token's claims and where they came from. Tools read
 * `extra.authInfo.extra.claims` for anything beyond scopes and client.
 *
 * @example
 * ```ts
 * const { claims, subject } = authInfo.extra as McpAuthExtra;
 * ```
 */
export interface McpAuthExtra<C extends object = JwtClaims> {
  [key: string]: unknown;
  /** Every claim of the verified token (frozen). */
  claims: AccessToken<C>['claims'];
  issuer: string;
  subject: string | undefined;
  audience: readonly string[];
}

/**
 * The SDK's `AuthInfo` for a verified token: `expiresAt` in seconds since the epoch (as the SDK
 * compares it), `scopes`, `clientId` (`client_id`, else `azp`, else `''`), `resource` as a URL (the
 * configured resource when given, else the token's first audience that is a URL), and the claims in
 * `extra` ({@link McpAuthExtra}).
 *
 * @example
 * ```ts
 * const auth = await verifier.verify(token);
 * const info = toAuthInfo(auth, verifier.resourceMetadata?.resource);
 * info.expiresAt; // e.g. 1767225600
 * ```
 */
export function toAuthInfo<C extends object = JwtClaims>(auth: AccessToken<C>, resource?: string): AuthInfo {
  const claims = auth.claims as JwtClaims;
  const azp = typeof claims.azp === 'string' ? claims.azp : undefined;
  const extra: McpAuthExtra<C> = { claims: auth.claims, issuer: auth.issuer, subject: auth.subject, audience: auth.audience };
  const info: AuthInfo = {
    token: auth.token,
    clientId: auth.clientId ?? azp ?? '',
    scopes: [...auth.scopes],
    expiresAt: Math.floor(auth.expiresAt.getTime() / 1000),
    extra,
  };
  const boundTo = resource ?? auth.audience.find((aud) => URL.canParse(aud));
  if (boundTo !== undefined) info.resource = new URL(boundTo);
  return info;
}
