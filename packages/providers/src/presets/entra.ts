import { audienceList, baseUrl, checkKeys, fail } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link entra}, as the Microsoft Entra admin center shows them (App registrations > your API).
 *
 * @example
 * ```ts
 * const single: EntraOptions = { tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47', audience: 'b7e5d1c2-3f4a-4b6c-8d9e-0a1b2c3d4e5f' };
 * const multi: EntraOptions = { tenant: 'organizations', audience: 'api://orders', tenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'] };
 * ```
 */
export interface EntraOptions {
  /** The Directory (tenant) ID, or `'common'` / `'organizations'` for a multi-tenant app. */
  tenant: string;
  /** The Application (client) ID of the API (v2 tokens), or its Application ID URI `api://…` (v1 tokens). */
  audience: string | readonly string[];
  /** Multi-tenant only, and required then: the tenant ids allowed, or `'any'` to allow every tenant. */
  tenants?: readonly string[] | 'any';
  /** The API manifest's `accessTokenAcceptedVersion` (`requestedAccessTokenVersion`): 2 (default) or 1. */
  version?: 1 | 2;
  /**
   * Instead of `https://login.microsoftonline.com`: a national cloud (`https://login.microsoftonline.us`,
   * `https://login.chinacloudapi.cn`) or a fake issuer in tests.
   */
  authority?: string;
  /** v1 tokens' issuer host, instead of `https://sts.windows.net` (national clouds, tests). */
  stsAuthority?: string;
}

const KEYS = ['tenant', 'audience', 'tenants', 'version', 'authority', 'stsAuthority'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Microsoft Entra ID access tokens, v2 (`iss` `https://login.microsoftonline.com/<tid>/v2.0`) or v1
 * (`https://sts.windows.net/<tid>/`): delegated scopes from `scp`, app roles (app-only tokens) from `roles`,
 * the client id from `azp` (v2) or `appid` (v1). A multi-tenant app names the tenants it serves, or
 * `'any'`: each token's `iss` must be the template with its own `tid`, and `tid` must be allowed.
 *
 * @example
 * ```ts
 * import { entra } from '@portcullis/providers';
 * const verifier = createVerifier(entra({ tenant: 'organizations', audience: apiClientId, tenants: [contoso, fabrikam] }));
 * ```
 */
export function entra(options: EntraOptions): ProviderOptions {
  const given = checkKeys('entra', options, KEYS);
  const tenant = given.tenant;
  const multi = tenant === 'common' || tenant === 'organizations';
  if (typeof tenant !== 'string' || (!multi && !GUID.test(tenant))) {
    fail('entra', 'tenant', "must be the Directory (tenant) ID (a GUID), 'common' or 'organizations'");
  }
  const audience = audienceList('entra', given, 'audience');
  const version = given.version ?? 2;
  if (version !== 1 && version !== 2) fail('entra', 'version', 'must be 1 or 2');
  const authority = baseUrl('entra', given, 'authority') ?? 'https://login.microsoftonline.com';
  const sts = baseUrl('entra', given, 'stsAuthority') ?? 'https://sts.windows.net';
  const tenants = given.tenants;
  if (!multi && tenants !== undefined) fail('entra', 'tenants', "applies only with tenant 'common' or 'organizations'");
  if (multi) {
    if (tenants === undefined) {
      fail('entra', 'tenants', `is required with tenant '${tenant}': the tenant ids you serve, or 'any' to accept tokens of every tenant`);
    }
    if (tenants !== 'any' && !(Array.isArray(tenants) && tenants.length > 0 && tenants.every((id) => typeof id === 'string' && GUID.test(id)))) {
      fail('entra', 'tenants', "must be a non-empty list of tenant ids (GUIDs) or 'any'");
    }
  }
  const tid = multi ? '{tenantid}' : tenant;
  const issuer = version === 2 ? `${authority}/${tid}/v2.0` : `${sts}/${tid}/`;
  const jwksUri = `${authority}/${tenant}/discovery/${version === 2 ? 'v2.0/' : ''}keys`;
  return {
    issuer: [
      {
        issuer,
        jwksUri,
        audience,
        roleClaims: ['roles'],
        ...(multi ? { tenants: tenants === 'any' ? 'any' : [...(tenants as string[])] } : {}),
      },
    ],
  };
}
