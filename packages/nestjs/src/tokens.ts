/**
 * Injection tokens of the module. Symbols, so that no string of the app's own can collide with them.
 */

/**
 * The verifier the module uses (given to `forRoot`, or created from its options), for injecting it
 * elsewhere: its `stats()`, its events, or `verify()` outside HTTP.
 *
 * @example
 * ```ts
 * @Injectable()
 * class KeysHealth {
 *   constructor(@Inject(PORTCULLIS_VERIFIER) private readonly verifier: Verifier) {}
 *   check() {
 *     return this.verifier.stats();
 *   }
 * }
 * ```
 */
export const PORTCULLIS_VERIFIER: unique symbol = Symbol('@portcullis/nestjs verifier');

/** What `forRoot` was given, or what the `forRootAsync` factory returned (not yet checked). */
export const PORTCULLIS_MODULE_OPTIONS: unique symbol = Symbol('@portcullis/nestjs module options');

/** The checked settings the guard and the module read ({@link PortcullisSettings}). */
export const PORTCULLIS_SETTINGS: unique symbol = Symbol('@portcullis/nestjs settings');
