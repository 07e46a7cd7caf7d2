import { Inject, Injectable, Module, type Type } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isAuthError, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { PORTCULLIS_VERIFIER, PortcullisModule, type PortcullisModuleAsyncOptions, type PortcullisModuleOptions } from '../src/index.js';
import { GuardedController, MeController, UnguardedController } from './controllers.js';
import { PLATFORMS, bearer, send, startApp, type RunningApp } from './helpers.js';

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

const verifierOptions = () => ({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });

function appModule(portcullis: ReturnType<typeof PortcullisModule.forRoot>, controllers: Type[] = [MeController]): Type {
  @Module({ imports: [portcullis], controllers })
  class AppModule {}
  return AppModule;
}

/** A stand-in for @nestjs/config: a module that exports a provider the factory injects. */
const ISSUER_SETTINGS = 'ISSUER_SETTINGS';
@Injectable()
class IssuerSettings {
  constructor(@Inject(ISSUER_SETTINGS) readonly values: { issuer: string; audience: string; jwksUri: string }) {}
}
function configModule(): Type {
  @Module({ providers: [{ provide: ISSUER_SETTINGS, useValue: verifierOptions() }, IssuerSettings], exports: [IssuerSettings] })
  class ConfigModule {}
  return ConfigModule;
}

/** Rejects with what verifying a fresh token with `verifier` rejects with, or resolves to 'verified'. */
async function verifyFresh(verifier: Verifier): Promise<string> {
  try {
    await verifier.verify(issuer.mint());
    return 'verified';
  } catch (error) {
    return isAuthError(error) ? error.code : String(error);
  }
}

describe.each(PLATFORMS)('PortcullisModule on $name', (platform) => {
  const running: RunningApp[] = [];
  const start = async (module: Type) => {
    const app = await startApp(platform, module);
    running.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  it('forRoot(verifier): the guard protects every route with the verifier given', async () => {
    const verifier = createVerifier(verifierOptions());
    try {
      const app = await start(appModule(PortcullisModule.forRoot(verifier)));
      expect(app.app.get(PORTCULLIS_VERIFIER)).toBe(verifier);
      expect((await send(app.url, { path: '/me' })).status).toBe(401);
      expect((await send(app.url, { path: '/me', headers: bearer(issuer.mint()) })).status).toBe(200);
    } finally {
      verifier.close();
    }
  });

  it('forRootAsync: an async factory with an injected provider from an imported module', async () => {
    let calls = 0;
    const app = await start(
      appModule(
        PortcullisModule.forRootAsync({
          imports: [configModule()],
          inject: [IssuerSettings],
          useFactory: async (settings: IssuerSettings) => {
            calls++;
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { ...settings.values, optional: true };
          },
        }),
      ),
    );
    expect(calls).toBe(1);
    const anonymous = await send(app.url, { path: '/me' });
    expect(JSON.parse(anonymous.body)).toEqual({ authenticated: false });
    const answer = await send(app.url, { path: '/me', headers: bearer(issuer.mint({ sub: 'carol' })) });
    expect(JSON.parse(answer.body)).toMatchObject({ authenticated: true, subject: 'carol' });
    expect((await send(app.url, { path: '/me', headers: bearer('not-a-jwt') })).status).toBe(401);
  });

  it('forRootAsync: a factory may return a verifier to share', async () => {
    const verifier = createVerifier(verifierOptions());
    try {
      const app = await start(appModule(PortcullisModule.forRootAsync({ useFactory: () => verifier })));
      expect(app.app.get(PORTCULLIS_VERIFIER)).toBe(verifier);
      expect((await send(app.url, { path: '/me', headers: bearer(issuer.mint()) })).status).toBe(200);
    } finally {
      verifier.close();
    }
  });

  it('global: false: only @UseGuards(PortcullisGuard) routes are protected, and @Auth() elsewhere is a 500', async () => {
    const app = await start(
      appModule(PortcullisModule.forRoot({ ...verifierOptions(), global: false }), [GuardedController, UnguardedController]),
    );
    expect((await send(app.url, { path: '/guarded' })).status).toBe(401);
    expect((await send(app.url, { path: '/guarded', headers: bearer(issuer.mint({ sub: 'dan' })) })).body).toContain('"subject":"dan"');
    expect((await send(app.url, { path: '/unguarded' })).status).toBe(200);
    const misuse = await send(app.url, { path: '/unguarded/auth', headers: bearer(issuer.mint()) });
    expect(misuse.status).toBe(500);
    expect(misuse.body).not.toContain('subject');
  });

  it('the guard applied twice (globally and by @UseGuards) verifies the token once', async () => {
    const verifier = createVerifier(verifierOptions());
    try {
      const app = await start(appModule(PortcullisModule.forRoot(verifier), [GuardedController]));
      const before = verifier.stats().verified;
      expect((await send(app.url, { path: '/guarded', headers: bearer(issuer.mint()) })).status).toBe(200);
      expect(verifier.stats().verified - before).toBe(1);
    } finally {
      verifier.close();
    }
  });

  it('shutdown closes the verifier the module created from options', async () => {
    const app = await startApp(platform, appModule(PortcullisModule.forRoot(verifierOptions())));
    const verifier = app.app.get<Verifier>(PORTCULLIS_VERIFIER);
    expect(await verifyFresh(verifier)).toBe('verified');
    await app.close();
    expect(await verifyFresh(verifier)).toBe('keys_unavailable');
  });

  it('shutdown leaves a verifier it was given open, for its owner to close', async () => {
    const verifier = createVerifier(verifierOptions());
    try {
      for (const portcullis of [
        PortcullisModule.forRoot(verifier),
        PortcullisModule.forRoot({ verifier, optional: true }),
        PortcullisModule.forRootAsync({ useFactory: () => ({ verifier }) }),
      ]) {
        const app = await startApp(platform, appModule(portcullis));
        await app.close();
        expect(await verifyFresh(verifier)).toBe('verified');
      }
    } finally {
      verifier.close();
    }
  });

  it('shutdown closes a verifier that a forRootAsync factory had created from options', async () => {
    const app = await startApp(platform, appModule(PortcullisModule.forRootAsync({ useFactory: () => verifierOptions() })));
    const verifier = app.app.get<Verifier>(PORTCULLIS_VERIFIER);
    await app.close();
    expect(await verifyFresh(verifier)).toBe('keys_unavailable');
  });

  it('two apps from one module each get their own verifier: closing one leaves the other working', async () => {
    const module = appModule(PortcullisModule.forRoot(verifierOptions()));
    const first = await startApp(platform, module);
    const second = await start(module);
    expect(first.app.get(PORTCULLIS_VERIFIER)).not.toBe(second.app.get(PORTCULLIS_VERIFIER));
    await first.close();
    expect((await send(second.url, { path: '/me', headers: bearer(issuer.mint()) })).status).toBe(200);
  });

  it("a wrong verifier option fails the app's creation with a TypeError naming it", async () => {
    const module = appModule(PortcullisModule.forRoot({ issuer: issuer.url } as never));
    await expect(platform.create(module)).rejects.toThrow(/audience/);
    await expect(platform.create(module)).rejects.toBeInstanceOf(TypeError);
  });

  it('a factory result with "global" fails the app creation: global goes in the forRootAsync options', async () => {
    const module = appModule(
      // The type does not stop it (a returned object is not checked for excess keys): the module does.
      PortcullisModule.forRootAsync({ useFactory: () => ({ ...verifierOptions(), global: false }) }),
    );
    await expect(platform.create(module)).rejects.toThrow(/"global" goes in the options of PortcullisModule.forRootAsync\(\)/);
  });
});

describe('module options are checked where the module is declared', () => {
  const options = { issuer: 'https://issuer.example.com/', audience: 'https://api.example.com' };

  it.each<[string, unknown, RegExp]>([
    ['nothing', undefined, /needs verifier options or a verifier/],
    ['a string', 'https://issuer.example.com/', /needs verifier options or a verifier/],
    ['optional that is not a boolean', { ...options, optional: 'yes' }, /option "optional" must be a boolean/],
    ['errors that is not respond or pass', { ...options, errors: 'throw' }, /option "errors" must be 'respond' or 'pass'/],
    ['global that is not a boolean', { ...options, global: 0 }, /option "global" of PortcullisModule.forRoot\(\) must be a boolean/],
    ['a verifier that is not one', { verifier: {} }, /option "verifier" must be a verifier made by createVerifier/],
  ])('forRoot with %s is a TypeError', (_name, value, message) => {
    expect(() => PortcullisModule.forRoot(value as PortcullisModuleOptions)).toThrow(TypeError);
    expect(() => PortcullisModule.forRoot(value as PortcullisModuleOptions)).toThrow(message);
  });

  it('forRoot with a shared verifier and verifier options is a TypeError naming the option', () => {
    const verifier = createVerifier(options);
    try {
      expect(() => PortcullisModule.forRoot({ verifier, audience: 'x' } as unknown as PortcullisModuleOptions)).toThrow(
        /option "audience" cannot be combined with "verifier"/,
      );
    } finally {
      verifier.close();
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['no useFactory', {}, /option "useFactory" of PortcullisModule.forRootAsync\(\) must be a function/],
    ['an unknown key', { useFactory: () => options, injects: [] }, /option "forRootAsync.injects" is not a known option \(did you mean "forRootAsync.inject"\?\)/],
    ['inject that is not an array', { useFactory: () => options, inject: 'ConfigService' }, /option "inject"/],
    ['imports that is not an array', { useFactory: () => options, imports: {} }, /option "imports"/],
    ['global that is not a boolean', { useFactory: () => options, global: 'no' }, /option "global"/],
  ])('forRootAsync with %s is a TypeError', (_name, value, message) => {
    expect(() => PortcullisModule.forRootAsync(value as PortcullisModuleAsyncOptions)).toThrow(TypeError);
    expect(() => PortcullisModule.forRootAsync(value as PortcullisModuleAsyncOptions)).toThrow(message);
  });
});
