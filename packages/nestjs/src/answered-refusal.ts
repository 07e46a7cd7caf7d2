/**
 * How a refusal the guard has answered itself still ends Nest's pipeline. A guard can only let a
 * request through or throw; a promise that never settles (what the guard returned before) left every
 * span, interceptor or instrumentation waiting on that request open for good. So the guard answers,
 * then throws an {@link AnsweredRefusal}, and a filter of this package, bound to every route handler
 * ahead of the app's own filters, takes it and does nothing: Nest's pipeline settles, and an app's
 * catch-all filter never gets the chance to answer a second time (or to throw trying to).
 */
import { Catch, UseFilters, type ExceptionFilter } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import type { AuthError } from '@portcullis/core';
import { PortcullisException } from './portcullis-exception.js';

/**
 * Thrown by the guard once it has written the refusal. A {@link PortcullisException}, so that code
 * which meets it anyway (a filter bound in a way this package cannot see) still reads a refusal with
 * its status; Nest's own handler sends nothing more for it, as the headers are already sent.
 */
export class AnsweredRefusal extends PortcullisException {
  constructor(authError: AuthError) {
    super(authError);
    this.name = 'AnsweredRefusal';
  }
}

/** Takes an {@link AnsweredRefusal}: the answer is already written, there is nothing left to do. */
@Catch(AnsweredRefusal)
export class AnsweredRefusalFilter implements ExceptionFilter {
  catch(): void {
    // The guard has answered: the pipeline ends here.
  }
}

const filter = new AnsweredRefusalFilter();
// Controllers' prototypes already given the filter (one app may import the module once only, but
// tests and hybrid apps create several apps from the same classes).
const bound = new WeakSet<object>();

/**
 * Binds the filter to every method of every controller the app has, after the filters the app bound
 * there itself: Nest tries a handler's own filters first, the last bound first, then the
 * controller's, then the global ones, so this one is always the first tried. It catches nothing but
 * {@link AnsweredRefusal}, so every other exception reaches the app's filters as before. Runs before
 * Nest registers the routes (it reads the filters then).
 */
export function bindAnsweredRefusalFilter(modules: ModulesContainer): void {
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const prototype = (wrapper.metatype as { prototype?: object } | null | undefined)?.prototype;
      if (prototype === undefined || prototype === null || bound.has(prototype)) continue;
      bound.add(prototype);
      for (const [name, descriptor] of methodsOf(prototype)) UseFilters(filter)(prototype, name, descriptor);
    }
  }
}

/** The methods of a controller class, inherited ones included (not Object's). */
function methodsOf(prototype: object): Map<string, TypedPropertyDescriptor<unknown>> {
  const methods = new Map<string, TypedPropertyDescriptor<unknown>>();
  for (let current: object | null = prototype; current !== null && current !== Object.prototype; current = Object.getPrototypeOf(current) as object | null) {
    for (const name of Object.getOwnPropertyNames(current)) {
      if (name === 'constructor' || methods.has(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(current, name);
      if (descriptor !== undefined && typeof descriptor.value === 'function') methods.set(name, descriptor);
    }
  }
  return methods;
}
