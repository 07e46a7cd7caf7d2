import { audienceList, baseUrl, checkKeys, fail, optionalString } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link duende}.
 *
 * @example
 * ```ts
 * const options: DuendeOptions = { authority: 'https://identity.example.com', audience: 'orders-api' };
 * ```
 */
export interface DuendeOptions {
  /** The IdentityServer's issuer URI (its base URL, unless `IssuerUri` was set). Also the override for tests. */
  authority: string;
  /** The API resource's name (the `aud` IdentityServer writes). */
  audience: string | readonly string[];
  /** The claim roles are in. Default `'role'`, as ASP.NET Core writes it. */
  rolesClaim?: string;
}

const KEYS = ['authority', 'audience', 'rolesClaim'];

/**
 * Duende IdentityServer JWT access tokens (`typ: at+jwt`): keys at
 * `<authority>/.well-known/openid-configuration/jwks`; `scope` as IdentityServer writes it by default, a JSON
 * array; the client from `client_id`; roles from `role`.
 *
 * @example
 * ```ts
 * import { duende } from '@portcullis/providers';
 * app.use(requireAuth(duende({ authority: 'https://identity.example.com', audience: 'orders-api' })));
 * ```
 */
export function duende(options: DuendeOptions): ProviderOptions {
  const given = checkKeys('duende', options, KEYS);
  const authority = baseUrl('duende', given, 'authority') ?? fail('duende', 'authority', 'is required');
  const audience = audienceList('duende', given, 'audience');
  const rolesClaim = optionalString('duende', given, 'rolesClaim') ?? 'role';
  return { issuer: [{ issuer: authority, jwksUri: `${authority}/.well-known/openid-configuration/jwks`, audience, roleClaims: [rolesClaim] }] };
}
