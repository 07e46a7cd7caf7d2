import { audienceList, baseUrl, checkKeys, fail, hostName, optionalString } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link auth0}, as the Auth0 dashboard shows them.
 *
 * @example
 * ```ts
 * const options: Auth0Options = { domain: 'acme.us.auth0.com', audience: 'https://orders.example.com' };
 * ```
 */
export interface Auth0Options {
  /** The tenant's domain (Applications > your app > Domain) or a custom domain: `acme.us.auth0.com`. */
  domain: string;
  /** The API's Identifier (Applications > APIs). */
  audience: string | readonly string[];
  /**
   * The namespaced claim an Action writes roles to (`https://example.com/roles`): read as roles. Auth0's
   * RBAC `permissions` claim is always read as scopes.
   */
  rolesClaim?: string;
  /** Instead of `https://<domain>`: for tests against a fake issuer (`http://127.0.0.1:PORT`). */
  baseUrl?: string;
}

const KEYS = ['domain', 'audience', 'rolesClaim', 'baseUrl'];

/**
 * Auth0 access tokens (the default and the RFC 9068 token profile): issuer `https://<domain>/` with its
 * trailing slash, keys at `/.well-known/jwks.json`, scopes from `scope` and RBAC `permissions`, the client
 * id from `azp` (default profile) or `client_id` (RFC 9068 profile).
 *
 * @example
 * ```ts
 * import { auth0 } from '@portcullis/providers';
 * app.use(requireAuth(auth0({ domain: 'acme.us.auth0.com', audience: 'https://orders.example.com' })));
 * ```
 */
export function auth0(options: Auth0Options): ProviderOptions {
  const given = checkKeys('auth0', options, KEYS);
  const domain = hostName('auth0', given, 'domain');
  const audience = audienceList('auth0', given, 'audience');
  const rolesClaim = optionalString('auth0', given, 'rolesClaim');
  if (rolesClaim !== undefined && !/^https?:\/\//.test(rolesClaim)) {
    fail('auth0', 'rolesClaim', 'must be a namespaced claim such as "https://example.com/roles" (Auth0 drops custom claims without a namespace)');
  }
  const base = baseUrl('auth0', given, 'baseUrl') ?? `https://${domain}`;
  return {
    issuer: [
      {
        issuer: `${base}/`,
        jwksUri: `${base}/.well-known/jwks.json`,
        audience,
        scopeClaims: ['permissions'],
        ...(rolesClaim === undefined ? {} : { roleClaims: [rolesClaim] }),
      },
    ],
  };
}
