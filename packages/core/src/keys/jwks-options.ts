/**
 * The settings of the JWKS cache, their defaults and their one-time check.
 */
import { rejectUnknownKeys } from '../lib/known-keys.js';

/** Settings of a JWKS cache (`JwksCache`). All durations are in milliseconds. */
export interface JwksCacheOptions {
  /** After this age the next access refreshes in the background; cached keys keep serving. Default 600 000 (10 min). */
  cacheMaxAge: number;
  /**
   * Unknown `kid`s trigger at most one refetch per this period, counted from the last such refetch
   * (not from the last regular fetch): the first token signed by a newly published key refetches at
   * once, and a flood of random kids costs at most `60 000 / cooldown` fetches a minute. Default
   * 10 000 (10 s, as aws-jwt-verify waits after a kid miss): at most 6 such fetches a minute.
   */
  cooldown: number;
  /** Per fetch, headers and body. Default 5 000. */
  timeout: number;
  /**
   * How long past `cacheMaxAge` the last good keys keep serving while refreshes fail. Default
   * 3 600 000 (1 h): long enough to ride out an issuer outage, short enough that a key the issuer
   * withdrew stops being trusted within 70 minutes. `0` turns stale serving off.
   */
  staleIfError: number;
  /** After a failed fetch, no new fetch before this; also the `Retry-After` of the 503. Default 5 000. */
  errorCooldown: number;
  /** The largest JWKS body accepted, in bytes. Default 524 288 (512 KiB). */
  maxResponseBytes: number;
  /** A JWKS with more entries is refused as a failed fetch. Default 100. */
  maxKeys: number;
  /** A `fetch` with the global signature, e.g. to add a proxy agent. Makes a shared cache private. */
  fetch?: typeof fetch | undefined;
  /** The clock, in epoch milliseconds; for tests. Makes a shared cache private. Default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * Handed every background refresh (a fetch no request awaits), so the runtime keeps it alive after
   * the response: on Cloudflare Workers, `waitUntil` from `cloudflare:workers`. Makes a shared cache
   * private. Default: none (Node, Bun and Deno keep running it anyway).
   */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

/** {@link JwksCacheOptions} as users give them: every member optional. */
export type JwksCacheInit = { readonly [K in keyof JwksCacheOptions]?: JwksCacheOptions[K] | undefined };

/** {@link JwksCacheOptions} with defaults applied and checked. */
export type ResolvedJwksCacheOptions = Readonly<
  Omit<JwksCacheOptions, 'fetch' | 'now' | 'waitUntil'> & {
    fetch: typeof fetch | undefined;
    now: () => number;
    waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  }
>;

/**
 * The defaults of {@link JwksCacheOptions}.
 *
 * @example
 * ```ts
 * const cache = new JwksCache(uri, { ...DEFAULT_JWKS_CACHE_OPTIONS, cooldown: 60_000 });
 * ```
 */
export const DEFAULT_JWKS_CACHE_OPTIONS = Object.freeze({
  cacheMaxAge: 600_000,
  cooldown: 10_000,
  timeout: 5_000,
  staleIfError: 3_600_000,
  errorCooldown: 5_000,
  maxResponseBytes: 512 * 1024,
  maxKeys: 100,
});

/** Every key {@link JwksCacheInit} may hold. */
export const JWKS_OPTION_KEYS = [...Object.keys(DEFAULT_JWKS_CACHE_OPTIONS), 'fetch', 'now', 'waitUntil'] as const;

/** The default clock. */
export const systemNow = (): number => Date.now();

/** The longest delay timers accept; larger durations would silently become 1 ms. */
const MAX_DURATION = 2_147_483_647;

/**
 * Applies defaults to JWKS cache options and checks them once, with a `TypeError` naming the option.
 *
 * @example
 * ```ts
 * const options = resolveJwksCacheOptions({ timeout: 2_000 }); // options.cooldown === 10_000
 * ```
 */
export function resolveJwksCacheOptions(init: JwksCacheInit = {}): ResolvedJwksCacheOptions {
  rejectUnknownKeys(init, JWKS_OPTION_KEYS, 'jwks');
  const pick = (name: keyof typeof DEFAULT_JWKS_CACHE_OPTIONS, min: number, max: number, integer = false): number => {
    const value = init[name] ?? DEFAULT_JWKS_CACHE_OPTIONS[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new TypeError(`jwks.${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return value;
  };
  if (init.fetch !== undefined && typeof init.fetch !== 'function') throw new TypeError('jwks.fetch must be a function');
  if (init.now !== undefined && typeof init.now !== 'function') throw new TypeError('jwks.now must be a function');
  if (init.waitUntil !== undefined && typeof init.waitUntil !== 'function') throw new TypeError('jwks.waitUntil must be a function');
  return Object.freeze({
    cacheMaxAge: pick('cacheMaxAge', 0, MAX_DURATION),
    cooldown: pick('cooldown', 0, MAX_DURATION),
    timeout: pick('timeout', 1, MAX_DURATION),
    staleIfError: pick('staleIfError', 0, MAX_DURATION),
    errorCooldown: pick('errorCooldown', 0, MAX_DURATION),
    maxResponseBytes: pick('maxResponseBytes', 1, 2 ** 30, true),
    maxKeys: pick('maxKeys', 1, 10_000, true),
    fetch: init.fetch,
    now: init.now ?? systemNow,
    waitUntil: init.waitUntil,
  });
}
