import { audienceList, baseUrl, checkKeys, fail, optionalString } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link okta}, as the Okta admin console shows them (Security > API > Authorization Servers).
 *
 * @example
 * ```ts
 * const options: OktaOptions = { issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' };
 * ```
 */
export interface OktaOptions {
  /** The custom authorization server's Issuer URI: `https://<org>.okta.com/oauth2/<id>` (`default` or an id). */
  issuer: string;
  /** The authorization server's Audience. */
  audience: string | readonly string[];
  /** The claim a Groups claim was added as, read as roles. Default `'groups'`. */
  rolesClaim?: string;
}

const KEYS = ['issuer', 'audience', 'rolesClaim'];

/**
 * Okta access tokens of a custom authorization server: keys at `<issuer>/v1/keys`, scopes from the `scp`
 * array, the client id from `cid`, roles from the Groups claim. The org authorization server (an issuer
 * without `/oauth2/`) is refused: its access tokens are for Okta's own APIs and not to be validated by yours.
 * The issuer is the override for tests: point it at a fake issuer's URL.
 *
 * @example
 * ```ts
 * import { okta } from '@portcullis/providers';
 * await app.register(portcullis, okta({ issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' }));
 * ```
 */
export function okta(options: OktaOptions): ProviderOptions {
  const given = checkKeys('okta', options, KEYS);
  const issuer = baseUrl('okta', given, 'issuer');
  if (issuer === undefined) return fail('okta', 'issuer', 'must be a non-empty string');
  if (!/\/oauth2\/[^/]+$/.test(new URL(issuer).pathname)) {
    fail('okta', 'issuer', "must be a custom authorization server's issuer (https://<org>.okta.com/oauth2/default): access tokens of the org authorization server are only for Okta's own APIs");
  }
  const audience = audienceList('okta', given, 'audience');
  const rolesClaim = optionalString('okta', given, 'rolesClaim') ?? 'groups';
  return { issuer: [{ issuer, jwksUri: `${issuer}/v1/keys`, audience, roleClaims: [rolesClaim] }] };
}
