/**
 * A route's requirement beyond a valid token: scopes, roles and claims, checked after verification. A
 * failure is a 403 `insufficient_scope` (RFC 6750 §3.1): the token is valid, this route wants more.
 * Requirements are checked once when a route is declared (a `TypeError` names the option) and
 * compiled; the check per request walks no option again.
 */
import { InsufficientScopeError } from '../errors/insufficient-scope.js';
import { claimPathName, claimPathSegments, readClaimPath } from './claim-path.js';
import { hasAllScopes, hasAnyScope, normalizeScopeList } from './scopes.js';
import type { AccessToken, JwtClaims, ScopeRequirement } from '../types.js';

/** What one claim must be: exactly a value, contain a value, or satisfy a predicate. */
export type ClaimCondition =
  | string
  | number
  | boolean
  | { readonly includes: string }
  | ((value: unknown, claims: JwtClaims) => boolean);

/**
 * Claims a route requires. Each key is a claim path (see `ClaimPath`: `'tenant'`,
 * `'realm_access.roles'`), each value an exact value, `{ includes: v }` (an array, a space-delimited
 * string or an object keyed by grant contains `v`), or a predicate `(value, claims) => boolean`. Or one
 * predicate over all the claims.
 *
 * @example
 * ```ts
 * const claims: ClaimRequirement = { tenant: 'acme', 'realm_access.roles': { includes: 'admin' } };
 * const custom: ClaimRequirement = (claims) => claims.sub !== undefined && claims.sub.startsWith('svc-');
 * ```
 */
export type ClaimRequirement = Readonly<Record<string, ClaimCondition>> | ((claims: JwtClaims) => boolean);

/**
 * Everything a route may require: scopes (`allOf`, `anyOf`, as {@link ScopeRequirement}), roles (from
 * the issuer's `roleClaims`), and claims. Every part given must hold.
 *
 * @example
 * ```ts
 * const requirement: RouteRequirement = { allOf: ['orders:read'], roles: { anyOf: ['admin', 'auditor'] }, claims: { tenant: 'acme' } };
 * verifier.checkScopes(auth, requirement);
 * ```
 */
export interface RouteRequirement extends ScopeRequirement {
  roles?: { readonly allOf?: readonly string[] | undefined; readonly anyOf?: readonly string[] | undefined } | undefined;
  claims?: ClaimRequirement | undefined;
}

interface CompiledClaim {
  readonly name: string;
  readonly path: readonly string[];
  readonly test: (value: unknown, claims: JwtClaims) => boolean;
}

/** Compiled claim checks of requirements, by the requirement object. */
const compiled = new WeakMap<object, readonly CompiledClaim[]>();

function includes(value: unknown, wanted: string): boolean {
  if (typeof value === 'string') return value === wanted || value.split(' ').includes(wanted);
  if (Array.isArray(value)) return value.includes(wanted);
  if (typeof value === 'object' && value !== null) return Object.hasOwn(value, wanted);
  return false;
}

function compileClaims(claims: ClaimRequirement, option: string): readonly CompiledClaim[] {
  if (typeof claims === 'function') {
    return [{ name: '', path: [], test: (_value, all) => claims(all) }];
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TypeError(`Portcullis: option "${option}" must be an object of claim conditions or a predicate`);
  }
  const entries = Object.entries(claims);
  if (entries.length === 0) throw new TypeError(`Portcullis: option "${option}" names no claim`);
  return Object.freeze(
    entries.map(([key, condition]): CompiledClaim => {
      const path = claimPathSegments(key, `${option}.${key}`);
      const name = claimPathName(path);
      if (typeof condition === 'function') return { name, path, test: condition };
      if (typeof condition === 'string' || typeof condition === 'number' || typeof condition === 'boolean') {
        return { name, path, test: (value) => value === condition };
      }
      if (typeof condition === 'object' && condition !== null && Object.keys(condition).length === 1 && typeof condition.includes === 'string') {
        const wanted = condition.includes;
        return { name, path, test: (value) => includes(value, wanted) };
      }
      throw new TypeError(`Portcullis: option "${option}.${key}" must be a string, number or boolean, { includes: string }, or a predicate`);
    }),
  );
}

function roleList(value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((r) => typeof r === 'string' && r !== '')) {
    throw new TypeError(`Portcullis: option "${option}" must be a list of non-empty role names`);
  }
  return Object.freeze([...(value as string[])]);
}

/**
 * A route's requirement, checked and compiled once at declaration (a `TypeError` names `option`) and
 * frozen; undefined when it requires nothing. Adapters call it when a route is declared.
 *
 * @example
 * ```ts
 * const requirement = routeRequirement({ roles: { allOf: ['admin'] } }, 'requireRoles');
 * ```
 */
export function routeRequirement(input: RouteRequirement, option: string): RouteRequirement | undefined {
  if (typeof input !== 'object' || input === null) throw new TypeError(`Portcullis: option "${option}" must be a requirement object`);
  const allOf = input.allOf === undefined ? undefined : normalizeScopeList(input.allOf, `${option}.allOf`);
  const anyOf = input.anyOf === undefined ? undefined : normalizeScopeList(input.anyOf, `${option}.anyOf`);
  if (anyOf !== undefined && anyOf.length === 0) throw new TypeError(`Portcullis: option "${option}.anyOf" needs at least one scope`);
  let roles: RouteRequirement['roles'];
  if (input.roles !== undefined) {
    if (typeof input.roles !== 'object' || input.roles === null) throw new TypeError(`Portcullis: option "${option}.roles" must be { allOf?, anyOf? }`);
    const rolesAll = roleList(input.roles.allOf, `${option}.roles.allOf`);
    const rolesAny = roleList(input.roles.anyOf, `${option}.roles.anyOf`);
    if (rolesAny !== undefined && rolesAny.length === 0) throw new TypeError(`Portcullis: option "${option}.roles.anyOf" needs at least one role`);
    if ((rolesAll !== undefined && rolesAll.length > 0) || rolesAny !== undefined) roles = Object.freeze({ allOf: rolesAll, anyOf: rolesAny });
  }
  const claimChecks = input.claims === undefined ? undefined : compileClaims(input.claims, `${option}.claims`);
  const scopes = (allOf !== undefined && allOf.length > 0) || anyOf !== undefined;
  if (!scopes && roles === undefined && claimChecks === undefined) return undefined;
  const requirement: RouteRequirement = Object.freeze({ allOf, anyOf, roles, claims: input.claims });
  if (claimChecks !== undefined) compiled.set(requirement, claimChecks);
  return requirement;
}

/**
 * Throws {@link InsufficientScopeError} (403) unless the token meets the requirement: scopes first
 * (the challenge's `scope` names them), then roles, then claims (the description names the missing
 * roles or the failed claim, never a claim's value). A predicate that throws fails the check.
 *
 * @example
 * ```ts
 * checkRouteRequirement(auth, { roles: { allOf: ['admin'] } });
 * ```
 */
export function checkRouteRequirement(token: Pick<AccessToken<object>, 'scopes' | 'roles' | 'claims'>, requirement: RouteRequirement, realm?: string): void {
  const { allOf, anyOf, roles, claims } = requirement;
  if (allOf !== undefined && allOf.length > 0 && !hasAllScopes(token.scopes, allOf)) throw new InsufficientScopeError(allOf, 'all', realm);
  if (anyOf !== undefined && anyOf.length > 0 && !hasAnyScope(token.scopes, anyOf)) throw new InsufficientScopeError(anyOf, 'any', realm);
  if (roles !== undefined) {
    const granted = token.roles ?? [];
    if (roles.allOf !== undefined && roles.allOf.length > 0) {
      const missing = roles.allOf.filter((role) => !granted.includes(role));
      if (missing.length > 0) throw InsufficientScopeError.missingRoles(roles.allOf, missing, 'all', realm);
    }
    if (roles.anyOf !== undefined && roles.anyOf.length > 0 && !hasAnyScope(granted, roles.anyOf)) {
      throw InsufficientScopeError.missingRoles(roles.anyOf, roles.anyOf, 'any', realm);
    }
  }
  if (claims === undefined) return;
  let checks = compiled.get(requirement);
  if (checks === undefined) {
    // A requirement built by hand rather than by routeRequirement: compiled on first use.
    checks = compileClaims(claims, 'claims');
    compiled.set(requirement, checks);
  }
  const all = token.claims as JwtClaims;
  for (const check of checks) {
    let ok: boolean;
    let cause: unknown;
    try {
      ok = check.test(check.path.length === 0 ? all : readClaimPath(all, check.path), all) === true;
    } catch (error) {
      ok = false;
      cause = error;
    }
    if (!ok) throw InsufficientScopeError.failedClaim(check.name === '' ? undefined : check.name, realm, cause);
  }
}
