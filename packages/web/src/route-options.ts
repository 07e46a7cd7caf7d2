/**
 * What a protected route asks of a request, checked once where the route is declared: whether a request
 * without a credential may pass, and the scopes, roles and claims it needs (core's `routeRequirement`,
 * enforced by `verifier.checkScopes`), for `withAuth` and `authenticate` alike.
 */
import {
  normalizeScopeList,
  rejectUnknownKeys,
  routeRequirement,
  type AccessToken,
  type ClaimRequirement,
  type RouteRequirement as CoreRouteRequirement,
  type Verifier,
} from '@portcullis/core';

/**
 * Options of a protected route: `withAuth`'s third argument and `authenticate`'s.
 *
 * @example
 * ```ts
 * const options: RouteOptions = { scopes: ['orders:read'], optional: false };
 * ```
 */
export interface RouteOptions {
  /** Every one of these scopes is required; otherwise 403 `insufficient_scope` naming them. */
  scopes?: readonly string[] | undefined;
  /** At least one of these scopes is required; otherwise 403 naming the accepted ones. */
  anyScope?: readonly string[] | undefined;
  /** Every one of these roles (from the issuer's `roleClaims`, default `roles`); otherwise 403 naming the missing ones. */
  roles?: readonly string[] | undefined;
  /** At least one of these roles; otherwise 403. */
  anyRole?: readonly string[] | undefined;
  /**
   * Claims the token must carry: `{ tenant: 'acme', 'realm_access.roles': { includes: 'admin' } }`, or a
   * predicate over the claims; otherwise 403 naming the claim (never its value).
   */
  claims?: ClaimRequirement | undefined;
  /**
   * Let a request without any credential through with no auth (a route's scopes then answer 401). A
   * credential that is present but invalid is still refused. Default false.
   */
  optional?: boolean | undefined;
}

/** Every key {@link RouteOptions} may hold. */
export const ROUTE_OPTION_KEYS = ['scopes', 'anyScope', 'roles', 'anyRole', 'claims', 'optional'] as const;

/** A route's options, resolved and frozen. */
export interface RouteRequirement {
  readonly optional: boolean;
  /** Throws the route's refusal (an `AuthError`) when the verified request does not meet it. */
  check(verifier: Verifier<object>, auth: AccessToken<object> | undefined): void;
}

const NOTHING_REQUIRED: RouteRequirement = Object.freeze({ optional: false, check: () => undefined });
const OPTIONAL_NOTHING_REQUIRED: RouteRequirement = Object.freeze({ optional: true, check: () => undefined });

/**
 * Checks a route's options (a `TypeError` names the wrong one) and builds its requirement.
 *
 * @example
 * ```ts
 * const requirement = resolveRouteOptions({ scopes: ['orders:read'] }, 'withAuth');
 * ```
 */
export function resolveRouteOptions(options: RouteOptions | undefined, caller: string): RouteRequirement {
  if (options === undefined) return NOTHING_REQUIRED;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Portcullis: the options of ${caller}() must be an options object`);
  }
  rejectUnknownKeys(options, ROUTE_OPTION_KEYS, '');
  const { optional, scopes, anyScope, roles, anyRole, claims } = options;
  if (optional !== undefined && typeof optional !== 'boolean') {
    throw new TypeError('Portcullis: option "optional" must be a boolean');
  }
  for (const [name, value] of [['scopes', scopes], ['anyScope', anyScope], ['roles', roles], ['anyRole', anyRole]] as const) {
    if (value !== undefined && !Array.isArray(value)) {
      throw new TypeError(`Portcullis: option "${name}" must be an array of ${name.toLowerCase().includes('role') ? 'roles' : 'scopes'}`);
    }
  }
  if (anyScope !== undefined && anyScope.length === 0) throw new TypeError(`${caller}.anyScope: needs at least one scope`);
  if (anyRole !== undefined && anyRole.length === 0) throw new TypeError(`${caller}.anyRole: needs at least one role`);
  const rule: CoreRouteRequirement | undefined = routeRequirement(
    {
      // Normalized here first so that a bad scope is named by this option ("withAuth.scopes").
      allOf: scopes === undefined ? undefined : normalizeScopeList(scopes, `${caller}.scopes`),
      anyOf: anyScope === undefined ? undefined : normalizeScopeList(anyScope, `${caller}.anyScope`),
      roles: roles === undefined && anyRole === undefined ? undefined : { allOf: roles, anyOf: anyRole },
      claims,
    },
    caller,
  );
  if (rule === undefined) return optional === true ? OPTIONAL_NOTHING_REQUIRED : NOTHING_REQUIRED;
  return Object.freeze({
    optional: optional === true,
    check: (verifier: Verifier<object>, auth: AccessToken<object> | undefined) => verifier.checkScopes(auth, rule),
  });
}

const resolved = new WeakMap<object, RouteRequirement>();

/** {@link resolveRouteOptions} once per options object, for `authenticate`, which is called per request. */
export function routeRequirementOf(options: RouteOptions | undefined, caller: string): RouteRequirement {
  if (options === undefined || typeof options !== 'object' || options === null) return resolveRouteOptions(options, caller);
  let requirement = resolved.get(options);
  if (requirement === undefined) {
    requirement = resolveRouteOptions(options, caller);
    // Only a frozen object cannot change after it was checked; others are checked on every call.
    if (Object.isFrozen(options)) resolved.set(options, requirement);
  }
  return requirement;
}
