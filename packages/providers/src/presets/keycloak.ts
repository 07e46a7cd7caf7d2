import { audienceList, baseUrl, checkKeys, fail, optionalString, requiredString } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link keycloak}, as the Keycloak admin console shows them.
 *
 * @example
 * ```ts
 * const options: KeycloakOptions = { url: 'https://sso.example.com', realm: 'acme', client: 'orders-api' };
 * ```
 */
export interface KeycloakOptions {
  /** The server's base URL, `https://sso.example.com` (with `/auth` for Keycloak before 17). Also the override for tests. */
  url: string;
  /** The realm's name. */
  realm: string;
  /** The accepted `aud`. Default: `client`, which Keycloak's audience resolve mapper adds when the token carries that client's roles. */
  audience?: string | readonly string[];
  /** The API's client id in the realm: its client roles (`resource_access.<client>.roles`) are read as roles. */
  client?: string;
  /** Read realm roles (`realm_access.roles`) as roles too. Default true. */
  realmRoles?: boolean;
}

const KEYS = ['url', 'realm', 'audience', 'client', 'realmRoles'];

/**
 * Keycloak access tokens: issuer `<url>/realms/<realm>`, keys at `…/protocol/openid-connect/certs`, roles
 * from `realm_access.roles` and `resource_access.<client>.roles`, scopes from `scope`, the client id from
 * `azp`; the `typ` claim must be `Bearer`, so ID tokens (`ID`) and refresh tokens are refused.
 *
 * @example
 * ```ts
 * import { keycloak } from '@portcullis/providers';
 * app.use(requireAuth(keycloak({ url: 'https://sso.example.com', realm: 'acme', client: 'orders-api' })));
 * ```
 */
export function keycloak(options: KeycloakOptions): ProviderOptions {
  const given = checkKeys('keycloak', options, KEYS);
  const url = baseUrl('keycloak', given, 'url') ?? fail('keycloak', 'url', 'is required');
  const realm = requiredString('keycloak', given, 'realm');
  const client = optionalString('keycloak', given, 'client');
  if (given.audience === undefined && client === undefined) fail('keycloak', 'audience', 'is required unless client is given (the audience is then the client)');
  const audience = given.audience === undefined ? client! : audienceList('keycloak', given, 'audience');
  const realmRoles = given.realmRoles ?? true;
  if (typeof realmRoles !== 'boolean') fail('keycloak', 'realmRoles', 'must be a boolean');
  const roleClaims = [...(realmRoles ? ['realm_access.roles'] : []), ...(client === undefined ? [] : [['resource_access', client, 'roles']])];
  const issuer = `${url}/realms/${encodeURIComponent(realm)}`;
  return {
    issuer: [
      {
        issuer,
        jwksUri: `${issuer}/protocol/openid-connect/certs`,
        audience,
        roleClaims,
        requiredClaimValues: { typ: 'Bearer' },
      },
    ],
  };
}
