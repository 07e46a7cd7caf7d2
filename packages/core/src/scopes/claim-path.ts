/**
 * Claim paths: where in a token's claims a value is read from. Providers nest grants
 * (Keycloak's `realm_access.roles`) or name claims with URLs (Auth0's `https://example.com/roles`).
 */
import type { JwtClaims } from '../types.js';

/**
 * A claim: a top-level name, or a path into nested objects. A string containing `.` but neither `:`
 * nor `/` is a dotted path (`'realm_access.roles'`); a string with `:` or `/` is always one literal
 * top-level name (`'https://example.com/roles'`, `'urn:zitadel:iam:org:project:roles'`); an array is
 * a path of literal segments (`['resource_access', 'my-api', 'roles']`, or `['a.b']` for a dotted
 * top-level name).
 *
 * @example
 * ```ts
 * const roleClaims: ClaimPath[] = ['realm_access.roles', ['resource_access', 'orders-api', 'roles']];
 * ```
 */
export type ClaimPath = string | readonly string[];

/**
 * The segments of a claim path, checked once at construction: a `TypeError` names `option`.
 *
 * @example
 * ```ts
 * claimPathSegments('realm_access.roles', 'roleClaims[0]'); // ['realm_access', 'roles']
 * claimPathSegments('https://example.com/roles', 'roleClaims[0]'); // ['https://example.com/roles']
 * ```
 */
export function claimPathSegments(path: unknown, option: string): readonly string[] {
  let segments: unknown[];
  if (typeof path === 'string') {
    segments = path.includes('.') && !path.includes(':') && !path.includes('/') ? path.split('.') : [path];
  } else if (Array.isArray(path)) {
    segments = path as unknown[];
  } else {
    throw new TypeError(`Portcullis: option "${option}" must be a claim name, a dotted path or a list of path segments`);
  }
  if (segments.length === 0 || !segments.every((s) => typeof s === 'string' && s !== '')) {
    throw new TypeError(`Portcullis: option "${option}" must have non-empty path segments (got ${JSON.stringify(path)})`);
  }
  return Object.freeze([...(segments as string[])]);
}

/** How a path is shown in an error or a challenge: its segments joined by dots. */
export function claimPathName(segments: readonly string[]): string {
  return segments.join('.');
}

/**
 * The value at a claim path, or undefined. Only own members of plain objects are followed, so
 * `__proto__` or `constructor` lead nowhere.
 */
export function readClaimPath(claims: JwtClaims | Readonly<Record<string, unknown>>, segments: readonly string[]): unknown {
  let value: unknown = claims;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
