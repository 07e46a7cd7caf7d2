/**
 * `@Public()`, `@Scopes()`, `@AnyScope()`, `@Roles()`, `@AnyRole()` and `@RequireClaims()`: what a
 * controller or handler requires, written as metadata when the class is defined (a bad scope, role or
 * claim condition fails there) and read by the guard.
 */
import 'reflect-metadata';
import { routeRequirement, scopeRequirement, type ClaimRequirement, type RouteRequirement } from '@portcullis/core';

/** Metadata key of `@Public()`. */
export const PUBLIC_METADATA: unique symbol = Symbol('@portcullis/nestjs public');
/** Metadata key of the scope requirements of `@Scopes()` and `@AnyScope()`, in declaration order. */
export const SCOPES_METADATA: unique symbol = Symbol('@portcullis/nestjs scopes');

/**
 * A decorator that fits a controller class or one of its handlers: what `@Public()`, `@Scopes()` and
 * `@AnyScope()` return.
 *
 * @example
 * ```ts
 * const adminOnly: ClassOrMethodDecorator = Scopes('admin');
 * ```
 */
export type ClassOrMethodDecorator = ClassDecorator & MethodDecorator;

/** The function metadata goes on: the handler for a method decorator, the class otherwise. */
function holderOf(target: object, descriptor: PropertyDescriptor | undefined): object {
  return descriptor === undefined ? target : (descriptor.value as object);
}

function describeTarget(target: object, key: string | symbol | undefined): string {
  const owner = typeof target === 'function' ? target.name : (target.constructor as { name?: string }).name;
  return key === undefined ? String(owner) : `${String(owner)}.${String(key)}`;
}

/**
 * Marks a controller, or one handler, as open: the guard lets its requests through without looking
 * for a token (`@Auth()` is then undefined). A handler of a public controller that declares its own
 * `@Scopes()` or `@AnyScope()` is protected again. `@Public()` and a scope requirement on the same
 * class or handler contradict each other: a `TypeError` when the class is defined.
 *
 * @example
 * ```ts
 * @Controller('health')
 * @Public()
 * class HealthController {
 *   @Get()
 *   check() {
 *     return { ok: true };
 *   }
 * }
 * ```
 */
export function Public(): ClassOrMethodDecorator {
  const decorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder = holderOf(target, descriptor);
    if (Reflect.hasOwnMetadata(SCOPES_METADATA, holder)) {
      throw new TypeError(`Portcullis: ${describeTarget(target, key)} has both @Public() and a requirement (@Scopes(), @AnyScope(), @Roles(), @AnyRole() or @RequireClaims())`);
    }
    Reflect.defineMetadata(PUBLIC_METADATA, true, holder);
  };
  return decorator;
}

function requirementDecorator(requirement: RouteRequirement): ClassOrMethodDecorator {
  const decorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder = holderOf(target, descriptor);
    if (Reflect.hasOwnMetadata(PUBLIC_METADATA, holder)) {
      throw new TypeError(`Portcullis: ${describeTarget(target, key)} has both @Public() and a requirement (@Scopes(), @AnyScope(), @Roles(), @AnyRole() or @RequireClaims())`);
    }
    const own = (Reflect.getOwnMetadata(SCOPES_METADATA, holder) as readonly RouteRequirement[] | undefined) ?? [];
    // Decorators run bottom-up: putting each one first keeps the order they are written in.
    Reflect.defineMetadata(SCOPES_METADATA, Object.freeze([requirement, ...own]), holder);
  };
  return decorator;
}

/**
 * Requires every one of `scopes` on the token; otherwise 403 with `WWW-Authenticate: Bearer
 * error="insufficient_scope", scope="…"` naming them (401 without a token in optional mode). On a
 * controller it applies to every handler; a handler's own `@Scopes()` adds to the controller's, as a
 * route guard adds to a router's in Express. Checked when the class is defined: no scope, or one that
 * is not an RFC 6749 scope token, is a `TypeError`.
 *
 * @example
 * ```ts
 * @Controller('orders')
 * @Scopes('orders:read')
 * class OrdersController {
 *   @Post()
 *   @Scopes('orders:write')
 *   create(@Auth() auth: AccessToken) {
 *     return { createdBy: auth.clientId };
 *   }
 * }
 * ```
 */
export function Scopes(...scopes: [string, ...string[]]): ClassOrMethodDecorator {
  if (scopes.length === 0) throw new TypeError('Portcullis: @Scopes() needs at least one scope');
  return requirementDecorator(scopeRequirement({ allOf: scopes }, 'Portcullis: @Scopes()')!);
}

/**
 * Requires at least one of `scopes` on the token; otherwise 403 with a `scope="…"` attribute listing
 * them all. Combines with `@Scopes()` and with the controller's requirements like them: every
 * decorator must be satisfied. Checked when the class is defined, like {@link Scopes}.
 *
 * @example
 * ```ts
 * @Get('reports')
 * @AnyScope('reports:read', 'admin')
 * list() {
 *   return [];
 * }
 * ```
 */
export function AnyScope(...scopes: [string, ...string[]]): ClassOrMethodDecorator {
  if (scopes.length === 0) throw new TypeError('Portcullis: @AnyScope() needs at least one scope');
  return requirementDecorator(scopeRequirement({ anyOf: scopes }, 'Portcullis: @AnyScope()')!);
}

/**
 * Requires every one of `roles` on the token (read from the issuer's `roleClaims`, default `roles`);
 * otherwise 403 with `WWW-Authenticate: Bearer error="insufficient_scope", error_description="…"`
 * naming the missing roles. Combines with the other requirement decorators like `@Scopes()`. No role,
 * or an empty one, is a `TypeError` when the class is defined.
 *
 * @example
 * ```ts
 * @Delete(':id')
 * @Roles('orders-admin')
 * remove() {}
 * ```
 */
export function Roles(...roles: [string, ...string[]]): ClassOrMethodDecorator {
  if (roles.length === 0) throw new TypeError('Portcullis: @Roles() needs at least one role');
  return requirementDecorator(routeRequirement({ roles: { allOf: roles } }, '@Roles()')!);
}

/**
 * Requires at least one of `roles` on the token; otherwise 403 naming them. Checked when the class is
 * defined, like {@link Roles}.
 *
 * @example
 * ```ts
 * @Get('reports')
 * @AnyRole('auditor', 'admin')
 * reports() {}
 * ```
 */
export function AnyRole(...roles: [string, ...string[]]): ClassOrMethodDecorator {
  if (roles.length === 0) throw new TypeError('Portcullis: @AnyRole() needs at least one role');
  return requirementDecorator(routeRequirement({ roles: { anyOf: roles } }, '@AnyRole()')!);
}

/**
 * Requires claims of the token: each key a claim path, each value an exact value, `{ includes: v }`
 * or a predicate; or one predicate over all the claims (see `ClaimRequirement`). A failure is a 403
 * whose description names the claim, never its value. Checked when the class is defined.
 *
 * @example
 * ```ts
 * @Controller('acme')
 * @RequireClaims({ tenant: 'acme' })
 * class AcmeController {}
 * ```
 */
export function RequireClaims(claims: ClaimRequirement): ClassOrMethodDecorator {
  const requirement = routeRequirement({ claims }, '@RequireClaims()');
  if (requirement === undefined) throw new TypeError('Portcullis: @RequireClaims() needs a claim requirement');
  return requirementDecorator(requirement);
}

/** What the guard does on one handler of one controller. */
export interface RouteAuth {
  readonly isPublic: boolean;
  /** Checked in order (the controller's first); empty when a valid token is enough. */
  readonly requirements: readonly RouteRequirement[];
}

const compiled = new WeakMap<object, WeakMap<object, RouteAuth>>();

function ownOrInherited<T>(key: symbol, holder: object): T | undefined {
  return Reflect.getMetadata(key, holder) as T | undefined;
}

function ownRequirements(holder: object): readonly RouteRequirement[] {
  return (Reflect.getOwnMetadata(SCOPES_METADATA, holder) as readonly RouteRequirement[] | undefined) ?? [];
}

/** A controller's requirements and its base classes', the base's first: a subclass adds, never drops. */
function classRequirements(controller: object): readonly RouteRequirement[] {
  const chain: object[] = [];
  for (let c: object | null = controller; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c) as object | null) {
    chain.unshift(c);
  }
  return chain.flatMap(ownRequirements);
}

/**
 * The {@link RouteAuth} of `handler` in `controller`, read once per pair: the same handler function
 * may be inherited by controllers with different class decorators.
 */
export function routeAuthOf(controller: object, handler: object): RouteAuth {
  let byHandler = compiled.get(controller);
  if (byHandler === undefined) compiled.set(controller, (byHandler = new WeakMap()));
  let route = byHandler.get(handler);
  if (route === undefined) {
    const handlerRequirements = ownRequirements(handler);
    const classPublic = ownOrInherited<boolean>(PUBLIC_METADATA, controller) === true;
    const isPublic =
      ownOrInherited<boolean>(PUBLIC_METADATA, handler) === true || (classPublic && handlerRequirements.length === 0);
    const requirements = isPublic ? [] : [...(classPublic ? [] : classRequirements(controller)), ...handlerRequirements];
    route = Object.freeze({ isPublic, requirements: Object.freeze(requirements) });
    byHandler.set(handler, route);
  }
  return route;
}
