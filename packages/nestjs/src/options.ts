/**
 * The module's options: their types, and the one place they are checked (a `TypeError` naming the
 * option, when the module is declared or, for what needs the verifier, when the app is created).
 */
import {
  rejectUnknownKeys,
  isVerifier,
  resolveAdapterOptions,
  resolveVerifier,
  type Verifier,
  type VerifierOptions,
} from '@portcullis/core';
import type { DynamicModule, FactoryProvider } from '@nestjs/common';

/**
 * How the guard behaves, whichever way the verifier is given.
 *
 * @example
 * ```ts
 * PortcullisModule.forRoot({ verifier, optional: true, errors: 'pass' });
 * ```
 */
export interface PortcullisBehaviourOptions {
  /**
   * Let a request without any credential through, with `@Auth()` undefined. A credential that is
   * present but invalid is still refused, and a route with `@Scopes`/`@AnyScope` still answers 401
   * without one. Default false.
   */
  optional?: boolean | undefined;
  /**
   * `'respond'` (default): the guard answers a refusal itself (400, 401, 403 or 503, with the RFC 6750
   * challenge), so that no exception filter of the app can change it. `'pass'`: the guard throws a
   * {@link PortcullisException} (an `HttpException` carrying `headers`) for the app's exception layer,
   * after setting the challenge headers on the response.
   */
  errors?: 'respond' | 'pass' | undefined;
}

/**
 * What the guard needs, as `forRoot` takes it and a `forRootAsync` factory returns it: the verifier's
 * options (the module then creates the verifier and closes it on application shutdown), or
 * `verifier`, an existing one to share (the app that made it closes it); plus
 * {@link PortcullisBehaviourOptions}.
 *
 * @example
 * ```ts
 * const owned: PortcullisOptions = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };
 * const shared: PortcullisOptions = { verifier: createVerifier(owned), optional: true };
 * ```
 */
export type PortcullisOptions =
  | (VerifierOptions & PortcullisBehaviourOptions & { verifier?: undefined })
  | (PortcullisBehaviourOptions & { verifier: Verifier<object> } & { [K in keyof VerifierOptions]?: never });

/**
 * Where the guard applies: `global` (default true) installs it for every route of the app through
 * `APP_GUARD`; `false` leaves it to `@UseGuards(PortcullisGuard)` on the controllers or handlers that
 * need it.
 *
 * @example
 * ```ts
 * PortcullisModule.forRoot({ issuer, audience, global: false });
 * ```
 */
export interface PortcullisGuardPlacement {
  /** Install the guard for every route (default true). */
  global?: boolean | undefined;
}

/**
 * Options of `PortcullisModule.forRoot`: {@link PortcullisOptions} and {@link PortcullisGuardPlacement}.
 *
 * @example
 * ```ts
 * PortcullisModule.forRoot({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * ```
 */
export type PortcullisModuleOptions = PortcullisOptions & PortcullisGuardPlacement;

/**
 * Options of `PortcullisModule.forRootAsync`: a factory (with the providers it injects and the
 * modules that provide them) that returns {@link PortcullisOptions} or a verifier. `global` is here,
 * not in what the factory returns, because Nest needs it before any factory runs.
 *
 * @example
 * ```ts
 * PortcullisModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({
 *     issuer: config.getOrThrow('OAUTH_ISSUER'),
 *     audience: config.getOrThrow('OAUTH_AUDIENCE'),
 *   }),
 * });
 * ```
 */
export interface PortcullisModuleAsyncOptions extends PortcullisGuardPlacement {
  /** Modules that export the providers named in `inject`. */
  imports?: DynamicModule['imports'];
  /** Providers whose instances are passed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'];
  /** Returns (or resolves to) the options, or a verifier to share. */
  useFactory: (...args: never[]) => PortcullisOptions | Verifier<object> | Promise<PortcullisOptions | Verifier<object>>;
}

/** The module's options, checked: what the guard and the shutdown hook read. */
export interface PortcullisSettings {
  readonly verifier: Verifier<object>;
  /** The module created the verifier, so it closes it on application shutdown. */
  readonly owned: boolean;
  readonly optional: boolean;
  readonly passErrors: boolean;
}

/** The keys `forRoot` reads itself; any other key is the verifier's. */
export const MODULE_OPTION_KEYS = ['global', 'optional', 'errors', 'verifier'] as const;
/** The keys of `forRootAsync`'s options object. */
export const ASYNC_OPTION_KEYS = ['global', 'imports', 'inject', 'useFactory'] as const;

const BEHAVIOUR_KEYS: ReadonlySet<string> = new Set<string>(MODULE_OPTION_KEYS);

/** `global`, checked; true unless set to false. */
export function resolveGuardPlacement(global: unknown, where: string): boolean {
  if (global !== undefined && typeof global !== 'boolean') {
    throw new TypeError(`Portcullis: option "global" of ${where} must be a boolean`);
  }
  return global !== false;
}

/**
 * Checks what `forRoot` is given before any verifier exists (so that a mistake fails where the
 * module is declared): the module's own keys, and the type of the argument. Returns where the guard
 * goes.
 */
export function checkModuleOptions(options: unknown): { global: boolean } {
  if (isVerifier(options)) return { global: true };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('Portcullis: PortcullisModule.forRoot() needs verifier options or a verifier');
  }
  const { global, optional, errors, verifier } = options as Record<string, unknown>;
  resolveAdapterOptions({ optional: optional as boolean | undefined, errors: errors as 'respond' | undefined });
  if (verifier !== undefined) checkSharedVerifier(options, verifier);
  return { global: resolveGuardPlacement(global, 'PortcullisModule.forRoot()') };
}

/** Checks `forRootAsync`'s own options object. */
export function checkAsyncOptions(options: unknown): { global: boolean } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('Portcullis: PortcullisModule.forRootAsync() needs an options object with useFactory');
  }
  rejectUnknownKeys(options, ASYNC_OPTION_KEYS, 'forRootAsync');
  const { useFactory, inject, imports, global } = options as Record<string, unknown>;
  if (typeof useFactory !== 'function') {
    throw new TypeError('Portcullis: option "useFactory" of PortcullisModule.forRootAsync() must be a function');
  }
  if (inject !== undefined && !Array.isArray(inject)) {
    throw new TypeError('Portcullis: option "inject" of PortcullisModule.forRootAsync() must be an array of providers');
  }
  if (imports !== undefined && !Array.isArray(imports)) {
    throw new TypeError('Portcullis: option "imports" of PortcullisModule.forRootAsync() must be an array of modules');
  }
  return { global: resolveGuardPlacement(global, 'PortcullisModule.forRootAsync()') };
}

function checkSharedVerifier(options: object, verifier: unknown): void {
  if (!isVerifier(verifier)) throw new TypeError('Portcullis: option "verifier" must be a verifier made by createVerifier');
  const extra = Object.keys(options).find((key) => !BEHAVIOUR_KEYS.has(key));
  if (extra !== undefined) {
    throw new TypeError(`Portcullis: option "${extra}" cannot be combined with "verifier": configure the shared verifier instead`);
  }
}

/**
 * The settings from `forRoot`'s argument or the `forRootAsync` factory's result: the verifier (made
 * here from options, so that each app gets its own and closes it), `optional` and `errors`.
 */
export function resolveSettings(options: unknown, fromFactory: boolean): PortcullisSettings {
  if (isVerifier(options)) return Object.freeze({ verifier: options, owned: false, optional: false, passErrors: false });
  const where = fromFactory ? 'the PortcullisModule.forRootAsync() factory' : 'PortcullisModule.forRoot()';
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Portcullis: ${where} must give verifier options or a verifier`);
  }
  const { global, optional, errors, verifier, ...verifierOptions } = options as PortcullisModuleOptions;
  if (fromFactory && global !== undefined) {
    throw new TypeError('Portcullis: option "global" goes in the options of PortcullisModule.forRootAsync(), not in what its factory returns');
  }
  const behaviour = resolveAdapterOptions({ optional, errors });
  if (verifier !== undefined) checkSharedVerifier(options, verifier);
  const resolved = resolveVerifier<object>(verifier ?? (verifierOptions as VerifierOptions<object>));
  return Object.freeze({ ...resolved, optional: behaviour.optional, passErrors: behaviour.passErrors });
}
