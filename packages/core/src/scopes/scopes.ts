/**
 * Scopes granted by a token and the check of a route's requirement. Scope tokens are compared
 * exactly and case-sensitively (RFC 6749 §3.3); they are kept in arrays and Sets, never used as
 * object keys, so `__proto__` or `constructor` are scopes like any other.
 */
import { InsufficientScopeError } from '../errors/insufficient-scope.js';
import type { JwtClaims, ScopeRequirement } from '../types.js';

/** The claims read by default: `scope` (RFC 9068 §2.2.3, RFC 8693) and `scp`. */
export const DEFAULT_SCOPE_CLAIMS: readonly string[] = ['scope', 'scp'];

function addSpaceDelimited(value: string, into: Set<string>): void {
  // RFC 6749 §3.3: scope tokens are separated by single spaces; tolerate runs of them.
  for (const token of value.split(' ')) if (token !== '') into.add(token);
}

/**
 * The scopes a token grants, from each named claim: a space-delimited string, or an array of strings
 * (Azure's `scp`, Auth0's `permissions`). Unique, in the order they first appear.
 *
 * @example
 * ```ts
 * extractScopes({ scope: 'orders:read orders:write' }, DEFAULT_SCOPE_CLAIMS); // ['orders:read', 'orders:write']
 * ```
 */
export function extractScopes(claims: JwtClaims, scopeClaims: readonly string[]): readonly string[] {
  // The usual token has one space-delimited string (`scope`) and no other scope claim: its list is
  // memoised by that string, since an issuer hands out a few distinct scope strings to many tokens.
  let text: string | undefined;
  let several = false;
  for (const name of scopeClaims) {
    if (!Object.hasOwn(claims, name)) continue;
    const value: unknown = claims[name];
    if (typeof value === 'string') {
      if (text !== undefined) several = true;
      text = value;
    } else if (Array.isArray(value)) several = true;
  }
  if (!several) return text === undefined ? NO_SCOPES : scopeListOf(text);

  const found = new Set<string>();
  for (const name of scopeClaims) {
    if (!Object.hasOwn(claims, name)) continue;
    const value: unknown = claims[name];
    if (typeof value === 'string') addSpaceDelimited(value, found);
    else if (Array.isArray(value)) {
      for (const entry of value) if (typeof entry === 'string' && entry !== '') found.add(entry);
    }
  }
  return Object.freeze([...found]);
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

/**
 * Scope lists by their `scope` string. Frozen, so one list can serve every token that has the
 * string. Bounded: the map starts over when full, and long strings are not kept.
 */
const scopeLists = new Map<string, readonly string[]>();
const SCOPE_LISTS_MAX = 1024;
const SCOPE_TEXT_MAX = 1024;

function scopeListOf(text: string): readonly string[] {
  let list = scopeLists.get(text);
  if (list !== undefined) return list;
  const found = new Set<string>();
  addSpaceDelimited(text, found);
  list = Object.freeze([...found]);
  if (text.length <= SCOPE_TEXT_MAX) {
    if (scopeLists.size >= SCOPE_LISTS_MAX) scopeLists.clear();
    scopeLists.set(text, list);
  }
  return list;
}

/** True when every scope in `required` is granted. */
export function hasAllScopes(granted: readonly string[], required: readonly string[]): boolean {
  for (const scope of required) if (!granted.includes(scope)) return false;
  return true;
}

/** True when at least one scope in `accepted` is granted (an empty list accepts nothing). */
export function hasAnyScope(granted: readonly string[], accepted: readonly string[]): boolean {
  for (const scope of accepted) if (granted.includes(scope)) return true;
  return false;
}

/**
 * Throws {@link InsufficientScopeError} (403) unless `granted` satisfies the requirement: every scope of
 * `allOf`, and one of `anyOf` when given. The challenge's `scope` names what was required.
 *
 * @example
 * ```ts
 * checkScopes(auth.scopes, { allOf: ['orders:write'] });
 * ```
 */
export function checkScopes(granted: readonly string[], requirement: ScopeRequirement, realm?: string): void {
  const { allOf, anyOf } = requirement;
  if (allOf !== undefined && allOf.length > 0 && !hasAllScopes(granted, allOf)) {
    throw new InsufficientScopeError(allOf, 'all', realm);
  }
  if (anyOf !== undefined && anyOf.length > 0 && !hasAnyScope(granted, anyOf)) {
    throw new InsufficientScopeError(anyOf, 'any', realm);
  }
}

/**
 * Validates a route's scope list once, when the route is declared: scope tokens are non-empty and
 * made of the characters RFC 6749 §3.3 allows (no spaces, quotes or backslashes).
 */
export function normalizeScopeList(scopes: readonly string[], option: string): readonly string[] {
  const list: unknown = scopes;
  // A string would be iterated character by character: 'ab' is not ['a', 'b'].
  if (!Array.isArray(list)) throw new TypeError(`${option}: must be a list of scopes`);
  for (const scope of list as unknown[]) {
    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new TypeError(`${option}: ${JSON.stringify(scope)} is not a valid scope token (RFC 6749 §3.3)`);
    }
  }
  return Object.freeze([...(list as string[])]);
}
