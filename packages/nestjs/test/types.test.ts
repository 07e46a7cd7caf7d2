// Type tests: checked by `pnpm lint` (the test tsconfig), where a wrong type or an unused
// `@ts-expect-error` fails; at run time they only define classes and modules.
import { Controller, Get, HttpException, Inject, Injectable, type CanActivate, type DynamicModule } from '@nestjs/common';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AuthErrorCode, Verifier } from '@portcullis/core';
import {
  AnyScope,
  Auth,
  PORTCULLIS_VERIFIER,
  PortcullisException,
  PortcullisGuard,
  PortcullisModule,
  Public,
  Scopes,
  createVerifier,
  type AccessToken,
  type PortcullisModuleAsyncOptions,
  type PortcullisModuleOptions,
} from '../src/index.js';

// What a user writes once to type their own claims on every request.
declare module '@portcullis/core' {
  interface CustomClaims {
    tenant_id: string;
  }
}

const options = { issuer: 'https://issuer.example.com/', audience: 'https://api.example.com' };

class ConfigService {
  get(key: string): string {
    return key === 'ISSUER' ? options.issuer : options.audience;
  }
}

describe('types', () => {
  it('@Auth() fits a handler parameter, and the AccessToken it gives carries the declared custom claims', () => {
    expectTypeOf(Auth).toEqualTypeOf<() => ParameterDecorator>();

    @Controller('orders')
    class OrdersController {
      @Get()
      list(@Auth() auth: AccessToken) {
        expectTypeOf(auth.claims.tenant_id).toEqualTypeOf<string>();
        expectTypeOf(auth.claims.sub).toEqualTypeOf<string | undefined>();
        expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>();
        // @ts-expect-error tenant_id is declared as a string
        const tenant: number = auth.claims.tenant_id;
        // @ts-expect-error scopes are read-only
        auth.scopes[0] = 'orders:admin';
        return { tenant };
      }

      @Get('public')
      @Public()
      open(@Auth() auth: AccessToken | undefined) {
        // @ts-expect-error on a public route (or in optional mode) the token may be missing
        return auth.subject;
      }
    }
    expect(typeof OrdersController).toBe('function');
  });

  it('@Public, @Scopes and @AnyScope fit classes and handlers, with scopes as string arguments', () => {
    @Controller()
    @Scopes('orders:read')
    class ScopedController {
      @Get()
      @AnyScope('orders:admin', 'orders:audit')
      audit() {
        return [];
      }
    }
    @Public()
    class OpenController {}
    expect([typeof ScopedController, typeof OpenController]).toEqual(['function', 'function']);

    const wrong = (): void => {
      // @ts-expect-error at least one scope
      Scopes();
      // @ts-expect-error at least one scope
      AnyScope();
      // @ts-expect-error scopes are given as arguments, not as an array
      Scopes(['orders:read']);
      // @ts-expect-error scopes are strings
      AnyScope(1);
      // @ts-expect-error @Public() takes nothing
      Public(true);
      // @ts-expect-error @Auth() takes nothing
      Auth('claims');
    };
    expect(typeof wrong).toBe('function');
  });

  it('the route decorators do not fit a property', () => {
    const misuse = () => {
      class Misplaced {
        // @ts-expect-error a class or a method, not a property
        @Scopes('orders:read') scopes = 'orders:read';
      }
      return Misplaced;
    };
    expect(typeof misuse).toBe('function');
  });

  it('forRoot takes verifier options, a verifier, or { verifier, ...behaviour }, and returns a DynamicModule', () => {
    const verifier = createVerifier(options);
    try {
      expectTypeOf(PortcullisModule.forRoot(options)).toEqualTypeOf<DynamicModule>();
      expectTypeOf(PortcullisModule.forRoot(verifier)).toEqualTypeOf<DynamicModule>();
      expectTypeOf(PortcullisModule.forRoot({ verifier, optional: true, errors: 'pass', global: false })).toEqualTypeOf<DynamicModule>();
      expectTypeOf<PortcullisModuleOptions['errors']>().toEqualTypeOf<'respond' | 'pass' | undefined>();
      const wrong = (): void => {
        // @ts-expect-error verifier options or a verifier are required
        PortcullisModule.forRoot();
        // @ts-expect-error errors is 'respond' or 'pass'
        PortcullisModule.forRoot({ ...options, errors: 'throw' });
        // @ts-expect-error optional is a boolean
        PortcullisModule.forRoot({ ...options, optional: 'yes' });
        // @ts-expect-error a shared verifier is configured where it is made
        PortcullisModule.forRoot({ verifier, audience: 'https://other.example.com' });
      };
      expect(typeof wrong).toBe('function');
    } finally {
      verifier.close();
    }
  });

  it('forRootAsync takes a factory whose parameters are the injected providers', () => {
    const async: PortcullisModuleAsyncOptions = {
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ issuer: config.get('ISSUER'), audience: config.get('AUDIENCE') }),
      global: false,
    };
    expectTypeOf(PortcullisModule.forRootAsync(async)).toEqualTypeOf<DynamicModule>();
    expectTypeOf(PortcullisModule.forRootAsync({ useFactory: () => Promise.resolve(createVerifier(options)) })).toEqualTypeOf<DynamicModule>();
    const wrong = (): void => {
      // @ts-expect-error the factory returns options or a verifier
      PortcullisModule.forRootAsync({ useFactory: () => 'https://issuer.example.com/' });
      // @ts-expect-error useFactory is required
      PortcullisModule.forRootAsync({ inject: [ConfigService] });
    };
    expect(typeof wrong).toBe('function');
  });

  it('the guard, the verifier token and the exception have the types Nest code expects', () => {
    expectTypeOf<PortcullisGuard>().toExtend<CanActivate>();

    @Injectable()
    class KeysHealth {
      constructor(@Inject(PORTCULLIS_VERIFIER) readonly verifier: Verifier) {}
    }
    expect(typeof KeysHealth).toBe('function');

    expectTypeOf<PortcullisException>().toExtend<HttpException>();
    expectTypeOf<PortcullisException['headers']>().toEqualTypeOf<Readonly<Record<string, string>>>();
    expectTypeOf<PortcullisException['code']>().toEqualTypeOf<AuthErrorCode>();
    expectTypeOf<PortcullisException['statusCode']>().toEqualTypeOf<number>();
  });
});
