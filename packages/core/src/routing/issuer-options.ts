/**
 * The per-issuer options that say how to read a provider's tokens (issue 18): where grants and the
 * client id are, an audience stand-in, required claim values, issuer templates and the headers of
 * discovery and JWKS requests. Checked once at construction; a mistake is a `TypeError` naming it.
 */
import { compileClaimPaths, GrantReader } from '../scopes/grants.js';
import type { ClaimPath } from '../scopes/claim-path.js';
import { IssuerTemplate, isIssuerTemplate, isTenantId, TENANT_PLACEHOLDER } from './issuer-template.js';

/**
 * An audience stand-in for access tokens without `aud` (Amazon Cognito): `claim` must be a string
 * equal to one of `values`. Checked instead of `aud`.
 */
export interface AudienceClaim {
  claim: string;
  values: readonly string[];
}

/** Headers of discovery and JWKS requests, or a function giving them per request (rotating tokens). */
export type RequestHeaders =
  | Readonly<Record<string, string>>
  | (() => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>);

/** The options of an issuer configuration this module checks. */
export interface IssuerReadingOptions {
  scopeClaims?: readonly ClaimPath[] | undefined;
  roleClaims?: readonly ClaimPath[] | undefined;
  clientIdClaims?: readonly ClaimPath[] | undefined;
  audienceClaim?: AudienceClaim | undefined;
  requiredClaimValues?: Readonly<Record<string, string | number | boolean>> | undefined;
  tenants?: readonly string[] | 'any' | undefined;
  requestHeaders?: RequestHeaders | undefined;
}

/** Keys of {@link IssuerReadingOptions}, for the unknown-key check. */
export const ISSUER_READING_OPTION_KEYS = [
  'scopeClaims', 'roleClaims', 'clientIdClaims', 'audienceClaim', 'requiredClaimValues', 'tenants', 'requestHeaders',
] as const;

/** The claims read by default for scopes: `scope` (RFC 9068 §2.2.3, RFC 8693) and `scp`. */
export const DEFAULT_SCOPE_CLAIM_PATHS: readonly ClaimPath[] = Object.freeze(['scope', 'scp']);
/** The claims read by default for roles: `roles` (RFC 9068 §2.2.3.1, Entra ID). */
export const DEFAULT_ROLE_CLAIMS: readonly ClaimPath[] = Object.freeze(['roles']);
/** The claims the client id is read from, first present wins (RFC 9068, OIDC, Okta, Entra v1). */
export const DEFAULT_CLIENT_ID_CLAIMS: readonly ClaimPath[] = Object.freeze(['client_id', 'azp', 'cid', 'appid']);

/** {@link IssuerReadingOptions} checked and compiled. */
export interface IssuerReading {
  readonly scopes: GrantReader;
  readonly roles: GrantReader;
  readonly clientIdClaims: readonly (readonly string[])[];
  readonly audienceClaim: Readonly<AudienceClaim> | undefined;
  readonly requiredClaimValues: readonly (readonly [string, string | number | boolean])[];
  readonly template: IssuerTemplate | undefined;
  readonly requestHeaders: RequestHeaders | undefined;
}

function fail(option: string, message: string): never {
  throw new TypeError(`Portcullis: option "${option}" ${message}`);
}

/** RFC 9110 §5.1 field names. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkHeaders(headers: unknown, option: string): void {
  if (typeof headers === 'function') return;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) fail(option, 'must be an object of header values or a function returning one');
  for (const [name, value] of Object.entries(headers)) {
    if (!FIELD_NAME.test(name)) fail(option, `has an invalid header name ${JSON.stringify(name)}`);
    // The value is never shown: it may be a credential.
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) fail(`${option}.${name}`, 'must be a string without line breaks');
  }
}

/**
 * Checks and compiles the reading options of one issuer. `prefix` names where they were given
 * (`'issuer.'`, `'issuer[2].'`, `''`); `defaultScopeClaims` are the verifier-wide `scopeClaims`.
 */
export function resolveIssuerReading(
  config: IssuerReadingOptions & { issuer: string; audience?: unknown; introspection?: unknown },
  prefix: string,
  defaultScopeClaims: readonly ClaimPath[] | undefined,
): IssuerReading {
  const extraScopes = config.scopeClaims ?? defaultScopeClaims;
  const scopeOption = config.scopeClaims !== undefined ? `${prefix}scopeClaims` : 'scopeClaims';
  const scopePaths = [
    ...compileClaimPaths(DEFAULT_SCOPE_CLAIM_PATHS, 'scopeClaims'),
    ...(extraScopes === undefined ? [] : compileClaimPaths(checkList(extraScopes, scopeOption), scopeOption)),
  ];
  const rolePaths = compileClaimPaths(config.roleClaims === undefined ? DEFAULT_ROLE_CLAIMS : checkList(config.roleClaims, `${prefix}roleClaims`), `${prefix}roleClaims`);
  const clientIdClaims = compileClaimPaths(
    config.clientIdClaims === undefined ? DEFAULT_CLIENT_ID_CLAIMS : checkList(config.clientIdClaims, `${prefix}clientIdClaims`, true),
    `${prefix}clientIdClaims`,
  );

  let audienceClaim: Readonly<AudienceClaim> | undefined;
  if (config.audienceClaim !== undefined) {
    const option = `${prefix}audienceClaim`;
    const stand = config.audienceClaim as unknown;
    if (typeof stand !== 'object' || stand === null) fail(option, 'must be { claim, values }');
    const { claim, values } = stand as Partial<AudienceClaim>;
    if (typeof claim !== 'string' || claim === '') fail(`${option}.claim`, 'must be a claim name');
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string' && v !== '')) {
      fail(`${option}.values`, 'must be a non-empty list of non-empty strings');
    }
    if (config.audience !== undefined) fail(option, `is used instead of "${prefix}audience": give one of them`);
    if (config.introspection !== undefined) fail(option, 'is not supported with introspection (the introspection response carries aud)');
    audienceClaim = Object.freeze({ claim, values: Object.freeze([...(values as string[])]) });
  }

  const requiredClaimValues: (readonly [string, string | number | boolean])[] = [];
  if (config.requiredClaimValues !== undefined) {
    const option = `${prefix}requiredClaimValues`;
    const values = config.requiredClaimValues as unknown;
    if (typeof values !== 'object' || values === null || Array.isArray(values)) fail(option, 'must be an object of claim names and values');
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
        fail(`${option}.${name}`, 'must be a string, a finite number or a boolean');
      }
      requiredClaimValues.push(Object.freeze([name, value] as const));
    }
  }

  let template: IssuerTemplate | undefined;
  const tenants = config.tenants as unknown;
  if (isIssuerTemplate(config.issuer)) {
    const option = `${prefix === '' ? '' : prefix}issuer`;
    if (config.issuer.indexOf(TENANT_PLACEHOLDER) !== config.issuer.lastIndexOf(TENANT_PLACEHOLDER)) fail(option, `must hold ${TENANT_PLACEHOLDER} once`);
    if (tenants === undefined) fail(`${prefix}tenants`, `is required with an issuer template: the allowed tenant ids, or 'any' to accept every tenant`);
    if (config.introspection !== undefined) fail(option, 'cannot be a template with introspection');
    if (tenants !== 'any') {
      if (!Array.isArray(tenants) || tenants.length === 0) fail(`${prefix}tenants`, "must be a non-empty list of tenant ids, or 'any'");
      for (const tenant of tenants as unknown[]) if (!isTenantId(tenant)) fail(`${prefix}tenants`, `has ${JSON.stringify(tenant)}, which is not a tenant id (a GUID)`);
    }
    template = new IssuerTemplate(config.issuer, tenants === 'any' ? 'any' : Object.freeze([...(tenants as string[])]));
  } else if (tenants !== undefined) {
    fail(`${prefix}tenants`, `goes with an issuer template holding ${TENANT_PLACEHOLDER}`);
  }

  if (config.requestHeaders !== undefined) checkHeaders(config.requestHeaders, `${prefix}requestHeaders`);

  return Object.freeze({
    scopes: new GrantReader(dedupe(scopePaths)),
    roles: new GrantReader(rolePaths),
    clientIdClaims,
    audienceClaim,
    requiredClaimValues: Object.freeze(requiredClaimValues),
    template,
    requestHeaders: config.requestHeaders,
  });
}

/**
 * An issuer that is not checked as a URL: it has its own keys (`jwksUri` or `keySource`), so it is
 * never discovered (Google's `accounts.google.com`, a Descope project id, an issuer template).
 */
export function checkIssuerString(value: unknown, option: string, ownKeys: boolean): string {
  if (typeof value !== 'string' || value === '') fail(option, 'must be a non-empty string');
  if (!ownKeys && isIssuerTemplate(value)) fail(option, 'is a template: give the template issuer\'s "jwksUri" (or a "keySource"), discovery needs a URL');
  return value;
}

function checkList(value: unknown, option: string, nonEmpty = false): readonly ClaimPath[] {
  if (!Array.isArray(value) || (nonEmpty && value.length === 0)) fail(option, `must be a${nonEmpty ? ' non-empty' : ''} list of claim paths`);
  return value as readonly ClaimPath[];
}

function dedupe(paths: readonly (readonly string[])[]): readonly (readonly string[])[] {
  const seen = new Set<string>();
  return Object.freeze(paths.filter((path) => {
    const key = JSON.stringify(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }));
}
