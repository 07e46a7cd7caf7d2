// The route decorators are checked when the class is defined, so a mistake fails at startup.
import { Controller, Get } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AnyScope, Public, Scopes } from '../src/index.js';
import { routeAuthOf } from '../src/route-metadata.js';

type LooseDecorator = (...scopes: unknown[]) => ClassDecorator & MethodDecorator;

describe('route decorators', () => {
  it('@Scopes() and @AnyScope() without a scope are a TypeError', () => {
    expect(() => (Scopes as LooseDecorator)()).toThrow(new TypeError('Portcullis: @Scopes() needs at least one scope'));
    expect(() => (AnyScope as LooseDecorator)()).toThrow(new TypeError('Portcullis: @AnyScope() needs at least one scope'));
  });

  it.each([['orders read'], [''], ['orders"read'], [42]])('%j is not a scope token: a TypeError naming the decorator', (scope) => {
    expect(() => (Scopes as LooseDecorator)(scope)).toThrow(TypeError);
    expect(() => (Scopes as LooseDecorator)(scope)).toThrow(/@Scopes\(\)\.scopes: .* is not a valid scope token/);
    expect(() => (AnyScope as LooseDecorator)('ok', scope)).toThrow(/@AnyScope\(\)\.anyScope: .* is not a valid scope token/);
  });

  it('@Public() and @Scopes() on the same handler contradict each other: a TypeError when the class is defined', () => {
    expect(() => {
      @Controller()
      class Contradiction {
        @Get()
        @Public()
        @Scopes('orders:read')
        read() {
          return 'never served';
        }
      }
      return Contradiction;
    }).toThrow(new TypeError('Portcullis: Contradiction.read has both @Public() and a requirement (@Scopes(), @AnyScope(), @Roles(), @AnyRole() or @RequireClaims())'));
  });

  it('@Public() and @AnyScope() on the same class contradict each other', () => {
    expect(() => {
      @AnyScope('a')
      @Public()
      class Contradiction {}
      return Contradiction;
    }).toThrow(/Contradiction has both @Public\(\)/);
  });

  it('requirements are checked in the order they are written, the controller first', () => {
    @Scopes('tenant:a')
    @AnyScope('x', 'y')
    class Ordered {
      @Scopes('first')
      @AnyScope('second', 'third')
      handler() {
        return undefined;
      }
    }
    const route = routeAuthOf(Ordered, Ordered.prototype.handler);
    expect(route.isPublic).toBe(false);
    expect(route.requirements).toEqual([
      { allOf: ['tenant:a'], anyOf: undefined },
      { allOf: undefined, anyOf: ['x', 'y'] },
      { allOf: ['first'], anyOf: undefined },
      { allOf: undefined, anyOf: ['second', 'third'] },
    ]);
  });

  it("a subclass keeps its base controller's scopes and adds its own", () => {
    @Scopes('base')
    class Base {
      read() {
        return undefined;
      }
    }
    @Scopes('derived')
    class Derived extends Base {}
    expect(routeAuthOf(Derived, Derived.prototype.read).requirements.map((r) => r.allOf)).toEqual([['base'], ['derived']]);
    expect(routeAuthOf(Base, Base.prototype.read).requirements.map((r) => r.allOf)).toEqual([['base']]);
  });
});
