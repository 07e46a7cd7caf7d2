import { audienceList, baseUrl, checkKeys, hostName, optionalString } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link zitadel}, as the ZITADEL console shows them.
 *
 * @example
 * ```ts
 * const options: ZitadelOptions = { domain: 'acme-x1y2z3.zitadel.cloud', projectId: '245938271539183620' };
 * ```
 */
export interface ZitadelOptions {
  /** The instance's domain: `acme-x1y2z3.zitadel.cloud` or your custom domain. */
  domain: string;
  /** The accepted `aud`. Default: `projectId` (ZITADEL puts the project id in `aud`). */
  audience?: string | readonly string[];
  /** The project's Resource Id: its roles are read from `urn:zitadel:iam:org:project:<projectId>:roles`. */
  projectId?: string;
  /** Instead of `https://<domain>`: for tests against a fake issuer. */
  baseUrl?: string;
}

const KEYS = ['domain', 'audience', 'projectId', 'baseUrl'];

/**
 * ZITADEL JWT access tokens: keys at `/oauth/v2/keys`, roles from `urn:zitadel:iam:org:project:roles`
 * (and the project's own claim), objects whose keys are the role names; the client id from `client_id`.
 * Turn on "Assert Roles on Authentication" for the project and the JWT token type for the calling app.
 *
 * @example
 * ```ts
 * import { zitadel } from '@portcullis/providers';
 * app.use(requireAuth(zitadel({ domain: 'acme-x1y2z3.zitadel.cloud', projectId: '245938271539183620' })));
 * app.delete('/orders/:id', requireRoles('orders-admin'), handler);
 * ```
 */
export function zitadel(options: ZitadelOptions): ProviderOptions {
  const given = checkKeys('zitadel', options, KEYS);
  const domain = hostName('zitadel', given, 'domain');
  const projectId = optionalString('zitadel', given, 'projectId');
  const audience = given.audience === undefined && projectId !== undefined ? projectId : audienceList('zitadel', given, 'audience');
  const base = baseUrl('zitadel', given, 'baseUrl') ?? `https://${domain}`;
  const roleClaims = [...(projectId === undefined ? [] : [`urn:zitadel:iam:org:project:${projectId}:roles`]), 'urn:zitadel:iam:org:project:roles'];
  return { issuer: [{ issuer: base, jwksUri: `${base}/oauth/v2/keys`, audience, roleClaims }] };
}
