/**
 * A route's `config.auth`, checked and compiled once when the route is added, so that the request
 * hook only reads the result.
 */
import { rejectUnknownKeys, routeRequirement, scopeRequirement, type ClaimRequirement, type RouteRequirement } from '@portcullis/core';

/** What the hook does on a route. */
export interface RouteAuth {
  /** `config.auth === false`: no check at all. */
  readonly isPublic: boolean;
  /** Scopes, roles and claims to check after authentication; undefined when a valid token is enough. */
  readonly requirement: RouteRequirement | undefined;
}

const PUBLIC_ROUTE: RouteAuth = Object.freeze({ isPublic: true, requirement: undefined });
const AUTHENTICATED_ROUTE: RouteAuth = Object.freeze({ isPublic: false, requirement: undefined });
const ROUTE_AUTH_KEYS = ['scopes', 'anyScope', 'roles', 'anyRole', 'claims'] as const;

/** Where the compiled {@link RouteAuth} lives in a route's config (a symbol: invisible to the app). */
export const kRouteAuth: unique symbol = Symbol('@portcullis/fastify route auth');

/** Routes added before the plugin loaded, compiled on their first request instead. */
const lateRoutes = new WeakMap<object, RouteAuth>();

function nameList(value: unknown, option: string, what: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  // Checked here: a string would otherwise be read as a list of one-character scopes.
  if (!Array.isArray(value)) throw new TypeError(`${option}: must be an array of ${what} strings`);
  return value as readonly string[];
}

/**
 * Compiles a route's `config.auth`: `undefined` (a valid token is required), `false` (public), or
 * `{ scopes?, anyScope? }`. Anything else is a `TypeError` naming the route.
 */
export function compileRouteAuth(auth: unknown, route: string): RouteAuth {
  if (auth === undefined) return AUTHENTICATED_ROUTE;
  if (auth === false) return PUBLIC_ROUTE;
  const option = `Portcullis: route ${route} config.auth`;
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) {
    throw new TypeError(`${option}: must be false or an object { scopes?, anyScope?, roles?, anyRole?, claims? }`);
  }
  try {
    rejectUnknownKeys(auth, ROUTE_AUTH_KEYS, 'config.auth');
  } catch (error) {
    throw new TypeError(`${option}: ${(error as Error).message.replace('Portcullis: ', '')}`);
  }
  const { scopes, anyScope, roles, anyRole, claims } = auth as Record<string, unknown>;
  // Scopes first, with the messages they always had (`config.auth.scopes: "a b" is not a valid scope token`).
  const scoped = scopeRequirement(
    { allOf: nameList(scopes, `${option}.scopes`, 'scope'), anyOf: nameList(anyScope, `${option}.anyScope`, 'scope') },
    option,
  );
  const rolesAll = nameList(roles, `${option}.roles`, 'role');
  const rolesAny = nameList(anyRole, `${option}.anyRole`, 'role');
  if (rolesAny !== undefined && rolesAny.length === 0) throw new TypeError(`${option}.anyRole: needs at least one role`);
  let requirement: RouteRequirement | undefined;
  try {
    requirement = routeRequirement(
      {
        ...scoped,
        roles: rolesAll === undefined && rolesAny === undefined ? undefined : { allOf: rolesAll, anyOf: rolesAny },
        claims: claims as ClaimRequirement | undefined,
      },
      'config.auth',
    );
  } catch (error) {
    throw new TypeError(`${option}: ${(error as Error).message.replace('Portcullis: ', '')}`);
  }
  return requirement === undefined ? AUTHENTICATED_ROUTE : Object.freeze({ isPublic: false, requirement });
}

/** A route's name for error messages: `GET /orders/:id`. */
export function routeName(method: string | readonly string[], url: string): string {
  return `${typeof method === 'string' ? method : method.join(',')} ${url}`;
}

/**
 * The compiled {@link RouteAuth} of the route a request matched: put there by the `onRoute` hook,
 * or, for a route the hook never saw (declared before the plugin loaded) or the not-found handler,
 * compiled on first use and remembered.
 */
export function routeAuthOf(config: object): RouteAuth {
  const compiled = (config as { [kRouteAuth]?: RouteAuth })[kRouteAuth];
  if (compiled !== undefined) return compiled;
  let late = lateRoutes.get(config);
  if (late === undefined) {
    const { auth, method, url } = config as { auth?: unknown; method?: string | string[]; url?: string };
    late = compileRouteAuth(auth, url === undefined ? 'not-found handler' : routeName(method ?? '*', url));
    lateRoutes.set(config, late);
  }
  return late;
}
