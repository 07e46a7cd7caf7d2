/**
 * `PortcullisModule`: the dynamic module that provides the verifier and the guard, and installs the
 * guard for every route unless told otherwise.
 */
import {
  Inject,
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import type { Verifier } from '@portcullis/core';
import {
  checkAsyncOptions,
  checkModuleOptions,
  resolveSettings,
  type PortcullisModuleAsyncOptions,
  type PortcullisModuleOptions,
  type PortcullisSettings,
} from './options.js';
import { bindAnsweredRefusalFilter } from './answered-refusal.js';
import { PortcullisGuard } from './portcullis-guard.js';
import { installResourceMetadata } from './resource-metadata.js';
import { PORTCULLIS_MODULE_OPTIONS, PORTCULLIS_SETTINGS, PORTCULLIS_VERIFIER } from './tokens.js';

function providers(fromFactory: boolean, global: boolean): Provider[] {
  return [
    {
      provide: PORTCULLIS_SETTINGS,
      // Made when the app is created, not when the module is declared: each app gets its own verifier.
      useFactory: (options: unknown) => resolveSettings(options, fromFactory),
      inject: [PORTCULLIS_MODULE_OPTIONS],
    },
    { provide: PORTCULLIS_VERIFIER, useFactory: (settings: PortcullisSettings) => settings.verifier, inject: [PORTCULLIS_SETTINGS] },
    PortcullisGuard,
    ...(global ? [{ provide: APP_GUARD, useExisting: PortcullisGuard }] : []),
  ];
}

// The guard resolves its settings from the module of the controller that uses it (with
// @UseGuards): exporting them from a global module makes them visible there.
const EXPORTS = [PORTCULLIS_SETTINGS, PORTCULLIS_VERIFIER, PortcullisGuard];

/**
 * Protects a Nest app with Portcullis. Import it once, in the root module, with `forRoot` (options
 * or a verifier) or `forRootAsync` (a factory, e.g. from `ConfigService`). It is a global module:
 * the guard and `PORTCULLIS_VERIFIER` can be injected anywhere. By default the guard runs on every
 * route (`@Public()` opts out); with `global: false` it runs where `@UseGuards(PortcullisGuard)` is.
 * A verifier created from options is closed when the application shuts down (`app.close()`, or a
 * signal with `enableShutdownHooks()`); a verifier you pass stays yours to close.
 *
 * When the verifier has `resourceMetadata`, the app also answers its RFC 9728 metadata path (GET,
 * HEAD, the CORS preflight; 405 otherwise) without a token, whatever `global` says: no controller
 * needs to declare it, and the app's global prefix does not apply to it.
 *
 * @example
 * ```ts
 * import { Controller, Get, Module } from '@nestjs/common';
 * import { Auth, PortcullisModule, Public, Scopes, type AccessToken } from '@portcullis/nestjs';
 *
 * @Controller()
 * class OrdersController {
 *   @Get('health') @Public() health() { return 'ok'; }
 *   @Get('orders') @Scopes('orders:read') list(@Auth() auth: AccessToken) { return { client: auth.clientId }; }
 * }
 *
 * @Module({
 *   imports: [PortcullisModule.forRoot({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' })],
 *   controllers: [OrdersController],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class PortcullisModule implements NestModule, OnApplicationShutdown {
  readonly #settings: PortcullisSettings;
  readonly #adapterHost: HttpAdapterHost;
  readonly #modules: ModulesContainer;

  constructor(
    @Inject(PORTCULLIS_SETTINGS) settings: PortcullisSettings,
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
    @Inject(ModulesContainer) modules: ModulesContainer,
  ) {
    this.#settings = settings;
    this.#adapterHost = adapterHost;
    this.#modules = modules;
  }

  /**
   * Binds the filter that ends Nest's pipeline for a refusal the guard answered, and serves the RFC
   * 9728 metadata, when the verifier has it. Nest calls this while the app is
   * initialised, after the body parsers and before it registers any route, so the answer comes
   * ahead of every controller (a catch-all one included) and of the guard.
   */
  configure(_consumer: MiddlewareConsumer): void {
    // Also before any route is registered: Nest reads a handler's filters then.
    bindAnsweredRefusalFilter(this.#modules);
    const metadata = this.#settings.verifier.resourceMetadata;
    const { httpAdapter } = this.#adapterHost;
    // No HTTP adapter: an application context or a microservice, with no path to serve.
    if (metadata !== undefined && httpAdapter !== undefined) installResourceMetadata(httpAdapter, metadata);
  }

  /**
   * The module with verifier options (it then creates the verifier and closes it on shutdown), a
   * verifier to share, or `{ verifier, ...behaviour }`; plus `optional`, `errors` and `global`. The
   * module's own options are checked here; the verifier's when the app is created.
   *
   * @example
   * ```ts
   * PortcullisModule.forRoot({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com', optional: true });
   * ```
   */
  static forRoot(options: PortcullisModuleOptions | Verifier<object>): DynamicModule {
    const { global } = checkModuleOptions(options);
    return {
      module: PortcullisModule,
      global: true,
      providers: [{ provide: PORTCULLIS_MODULE_OPTIONS, useValue: options }, ...providers(false, global)],
      exports: EXPORTS,
    };
  }

  /**
   * The module with options from a factory, which may inject providers (listed in `inject`, from the
   * modules in `imports`) and may be async. It returns what `forRoot` takes, except `global`, which is
   * given here.
   *
   * @example
   * ```ts
   * PortcullisModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ issuer: config.getOrThrow('OAUTH_ISSUER'), audience: config.getOrThrow('OAUTH_AUDIENCE') }),
   * });
   * ```
   */
  static forRootAsync(options: PortcullisModuleAsyncOptions): DynamicModule {
    const { global } = checkAsyncOptions(options);
    const factory = options.useFactory as (...args: unknown[]) => unknown;
    return {
      module: PortcullisModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: PORTCULLIS_MODULE_OPTIONS, useFactory: (...args: unknown[]) => factory(...args), inject: options.inject ?? [] },
        ...providers(true, global),
      ],
      exports: EXPORTS,
    };
  }

  /** Closes the verifier when the module created it. */
  onApplicationShutdown(): void {
    if (this.#settings.owned) this.#settings.verifier.close();
  }
}
