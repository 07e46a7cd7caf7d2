/**
 * The JWKS cache: one per JWKS URI, shared by every verifier that uses it. No timers: ages and
 * cooldowns are compared with the clock on access, and a refresh starts lazily from `peek`/`load`.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { KeysUnavailableError } from '../errors/errors.js';
import { fetchJson, normalizeHttpUri } from '../lib/fetch-json.js';
import { importVerificationKey, jwkFingerprint } from './jwk-import.js';
import type { VerificationKey } from './jwk-import.js';
import { resolveJwksCacheOptions, systemNow } from './jwks-options.js';
import type { JwksCacheInit, ResolvedJwksCacheOptions } from './jwks-options.js';

export type { JwksCacheOptions, JwksCacheInit, ResolvedJwksCacheOptions } from './jwks-options.js';

/** Why a JWKS answer was refused although the HTTP exchange worked. */
export type JwksErrorKind = 'not_a_jwks' | 'too_many_keys' | 'no_usable_keys' | 'closed';

/**
 * A JWKS response that cannot replace the cached key set. Counts as a failed fetch: the last good
 * key set stays in use.
 *
 * @example
 * ```ts
 * cache.on('jwks_refresh_failed', ({ error }) => {
 *   if (error instanceof JwksError && error.kind === 'no_usable_keys') console.warn('issuer published no usable key');
 * });
 * ```
 */
export class JwksError extends Error {
  readonly kind: JwksErrorKind;
  constructor(kind: JwksErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
  override get name(): string {
    return 'JwksError';
  }
}

/** Payload of `jwks_fetched`. */
export interface JwksFetchedEvent {
  uri: string;
  keyCount: number;
  durationMs: number;
}
/** Payload of `jwks_refresh_failed` and `keys_unavailable`. `error` never holds a response body. */
export interface JwksFailureEvent {
  uri: string;
  error: Error;
}
/** Payload of `jwks_stale`: keys past their max age keep serving because a refresh failed. */
export interface JwksStaleEvent {
  uri: string;
  ageMs: number;
}
/** The events of a {@link JwksCache}. */
export type JwksCacheEvents = {
  jwks_fetched: [JwksFetchedEvent];
  jwks_refresh_failed: [JwksFailureEvent];
  jwks_stale: [JwksStaleEvent];
  keys_unavailable: [JwksFailureEvent];
};

/** Counters of a {@link JwksCache}. */
export interface JwksCacheStats {
  /** Fetches started, failed ones included. */
  fetches: number;
  fetchFailures: number;
  /** Usable keys in the current set. */
  keyCount: number;
  /** Clock time of the last successful fetch. */
  lastFetchAt: number | undefined;
  /** Whether the current key set is older than `cacheMaxAge`. */
  stale: boolean;
}

const NO_KEYS: readonly VerificationKey[] = Object.freeze([]);

/**
 * The keys of one JWKS URI. `peek` answers synchronously from memory; `load` fetches when needed.
 * Concurrent fetches are collapsed into one; an unknown `kid` refetches at once, and unknown kids
 * refetch at most once per `cooldown` (counted from the last such refetch);
 * after `cacheMaxAge` the next access refreshes in the background while the cached keys keep serving;
 * when refreshes fail the last good keys serve for `staleIfError` more, then {@link KeysUnavailableError}.
 * A response that is not a JWKS, holds more than `maxKeys` entries or holds no usable key is a failed
 * fetch. Events: `jwks_fetched`, `jwks_refresh_failed` (every failed fetch), `jwks_stale` (a failed
 * fetch while serving keys past max age), `keys_unavailable` (a failed fetch that leaves no usable key).
 *
 * @example
 * ```ts
 * const cache = new JwksCache('https://auth.example.com/.well-known/jwks.json', { cooldown: 30_000 });
 * cache.on('jwks_stale', ({ ageMs }) => console.warn('serving JWKS aged', ageMs));
 * const keys = cache.peek(kid) ?? (await cache.load(kid));
 * ```
 */
export class JwksCache extends EventEmitter<JwksCacheEvents> {
  readonly uri: string;
  readonly options: ResolvedJwksCacheOptions;
  #byKid = new Map<string, readonly VerificationKey[]>();
  #all: readonly VerificationKey[] = NO_KEYS;
  #byFingerprint = new Map<string, VerificationKey>();
  #fetchedAt: number | undefined;
  /** When the last refetch for an unknown `kid` settled: the unknown-kid cooldown counts from it. */
  #lastKidMissAt: number | undefined;
  #lastFailureAt: number | undefined;
  #lastError: Error | undefined;
  #inflight: Promise<void> | undefined;
  #controller: AbortController | undefined;
  #closed = false;
  #fetches = 0;
  #failures = 0;

  constructor(uri: string, options: JwksCacheInit = {}) {
    super();
    this.uri = normalizeHttpUri(uri, 'jwksUri');
    this.options = resolveJwksCacheOptions(options);
    // Shared by design: every verifier on this URI listens.
    this.setMaxListeners(0);
  }

  /** Whether {@link JwksCache.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The keys matching `kid` (all keys when `kid` is undefined) if the cache holds a usable key set;
   * `[]` when `kid` is unknown and no refetch is allowed now; `undefined` when the caller must await
   * {@link JwksCache.load}. Starts a background refresh when the set is past its max age.
   */
  peek(kid: string | undefined): readonly VerificationKey[] | undefined {
    if (this.#closed) return undefined;
    const now = this.options.now();
    if (!this.#usable(now)) return undefined;
    this.#refreshIfOld(now);
    const found = this.#select(kid);
    if (found !== undefined) return found;
    return this.#inflight !== undefined || this.#fetchAllowed(now, true) ? undefined : NO_KEYS;
  }

  /**
   * The keys matching `kid`, fetching first when the cache is cold (or past its stale window) or `kid`
   * is unknown and the cooldown allows. Resolves to `[]` when `kid` stays unknown.
   *
   * @throws {@link KeysUnavailableError} when no usable key set can be had; never later than `timeout`.
   */
  async load(kid: string | undefined): Promise<readonly VerificationKey[]> {
    if (this.#closed) throw this.#unavailable(this.options.now());
    const now = this.options.now();
    const usable = this.#usable(now);
    if (usable) {
      this.#refreshIfOld(now);
      const found = this.#select(kid);
      if (found !== undefined) return found;
    }
    if (this.#inflight === undefined) {
      if (!this.#fetchAllowed(now, usable)) {
        if (usable) return NO_KEYS;
        throw this.#unavailable(now);
      }
      // With usable keys, the only reason to fetch here is a kid they lack.
      this.#startFetch(usable);
    }
    await this.#inflight;
    const after = this.options.now();
    if (this.#closed || !this.#usable(after)) throw this.#unavailable(after);
    return this.#select(kid) ?? NO_KEYS;
  }

  /** Counters for health checks and metrics. */
  stats(): JwksCacheStats {
    const fetchedAt = this.#fetchedAt;
    return {
      fetches: this.#fetches,
      fetchFailures: this.#failures,
      keyCount: this.#all.length,
      lastFetchAt: fetchedAt,
      stale: fetchedAt !== undefined && this.options.now() - fetchedAt >= this.options.cacheMaxAge,
    };
  }

  /** Aborts an in-flight fetch and drops the keys. The cache holds no timer, so nothing else is left. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller?.abort(new JwksError('closed', 'JWKS cache closed'));
    this.#controller = undefined;
    this.#byKid = new Map();
    this.#byFingerprint = new Map();
    this.#all = NO_KEYS;
    this.#fetchedAt = undefined;
  }

  #usable(now: number): boolean {
    const at = this.#fetchedAt;
    return at !== undefined && now - at < this.options.cacheMaxAge + this.options.staleIfError;
  }

  #select(kid: string | undefined): readonly VerificationKey[] | undefined {
    return kid === undefined ? this.#all : this.#byKid.get(kid);
  }

  /**
   * Whether a new fetch may start now; `forUnknownKid` also applies the unknown-`kid` cooldown. That
   * cooldown counts from the last refetch an unknown kid caused, not from any fetch: the first token
   * signed by a newly published key refetches at once, however recently the keys were loaded, while
   * a flood of random kids costs at most one fetch per cooldown.
   */
  #fetchAllowed(now: number, forUnknownKid: boolean): boolean {
    const { errorCooldown, cooldown } = this.options;
    if (this.#lastFailureAt !== undefined && now - this.#lastFailureAt < errorCooldown) return false;
    return !(forUnknownKid && this.#lastKidMissAt !== undefined && now - this.#lastKidMissAt < cooldown);
  }

  #refreshIfOld(now: number): void {
    const at = this.#fetchedAt;
    if (at === undefined || now - at < this.options.cacheMaxAge) return;
    if (this.#inflight === undefined && this.#fetchAllowed(now, false)) {
      this.#startFetch();
      // No request awaits this one: a runtime that ends work with the response must be told to wait.
      this.#handOff(this.#inflight!);
    }
  }

  #handOff(refresh: Promise<void>): void {
    const { waitUntil } = this.options;
    if (waitUntil === undefined) return;
    try {
      waitUntil(refresh);
    } catch {
      // The refresh runs either way; only its survival after the response is at stake.
    }
  }

  #unavailable(now: number): KeysUnavailableError {
    const since = this.#lastFailureAt === undefined ? Infinity : now - this.#lastFailureAt;
    const remaining = Math.max(0, this.options.errorCooldown - since);
    const cause = this.#closed ? new JwksError('closed', 'JWKS cache closed') : this.#lastError;
    return new KeysUnavailableError({ retryAfter: remaining / 1000, cause });
  }

  #startFetch(forUnknownKid = false): void {
    const controller = new AbortController();
    this.#controller = controller;
    this.#fetches += 1;
    this.#inflight = this.#fetch(controller).finally(() => {
      if (this.#controller === controller) this.#controller = undefined;
      this.#inflight = undefined;
      if (forUnknownKid) this.#lastKidMissAt = this.options.now();
    });
  }

  /** Never rejects: failures are recorded and reported through events. */
  async #fetch(controller: AbortController): Promise<void> {
    const { timeout, maxResponseBytes, fetch } = this.options;
    const started = performance.now();
    let keys: VerificationKey[];
    let fingerprints: Map<string, VerificationKey>;
    try {
      const body = await fetchJson(this.uri, { timeout, maxBytes: maxResponseBytes, signal: controller.signal, fetch, telemetry: 'jwks' });
      ({ keys, fingerprints } = this.#parse(body));
    } catch (err) {
      if (!this.#closed) this.#recordFailure(err instanceof Error ? err : new Error('JWKS fetch failed', { cause: err }));
      return;
    }
    if (this.#closed) return;
    const now = this.options.now();
    const byKid = new Map<string, VerificationKey[]>();
    for (const key of keys) {
      if (key.kid === undefined) continue;
      const list = byKid.get(key.kid);
      if (list === undefined) byKid.set(key.kid, [key]);
      else list.push(key);
    }
    for (const list of byKid.values()) Object.freeze(list);
    this.#byKid = byKid;
    this.#all = Object.freeze(keys);
    this.#byFingerprint = fingerprints;
    this.#fetchedAt = now;
    this.#lastFailureAt = undefined;
    this.#lastError = undefined;
    this.#emitSafely('jwks_fetched', { uri: this.uri, keyCount: keys.length, durationMs: performance.now() - started });
  }

  #parse(body: unknown): { keys: VerificationKey[]; fingerprints: Map<string, VerificationKey> } {
    const list: unknown = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
    if (!Array.isArray(list)) throw new JwksError('not_a_jwks', 'the response has no "keys" array');
    if (list.length > this.options.maxKeys) {
      throw new JwksError('too_many_keys', `the JWKS has ${list.length} entries, more than maxKeys (${this.options.maxKeys})`);
    }
    const keys: VerificationKey[] = [];
    const fingerprints = new Map<string, VerificationKey>();
    for (const jwk of list as unknown[]) {
      const fingerprint = jwkFingerprint(jwk);
      if (fingerprint !== undefined && fingerprints.has(fingerprint)) continue;
      // An unchanged JWK keeps its KeyObject across refreshes.
      const key = (fingerprint === undefined ? undefined : this.#byFingerprint.get(fingerprint)) ?? importVerificationKey(jwk);
      if (key === undefined) continue;
      keys.push(key);
      if (fingerprint !== undefined) fingerprints.set(fingerprint, key);
    }
    if (keys.length === 0) throw new JwksError('no_usable_keys', 'the JWKS holds no usable signature key');
    return { keys, fingerprints };
  }

  #recordFailure(error: Error): void {
    const now = this.options.now();
    this.#failures += 1;
    this.#lastFailureAt = now;
    this.#lastError = error;
    this.#emitSafely('jwks_refresh_failed', { uri: this.uri, error });
    const at = this.#fetchedAt;
    if (at !== undefined && this.#usable(now)) {
      if (now - at >= this.options.cacheMaxAge) this.#emitSafely('jwks_stale', { uri: this.uri, ageMs: now - at });
    } else {
      this.#emitSafely('keys_unavailable', { uri: this.uri, error });
    }
  }

  /** A throwing listener must not break key loading; it is reported as a process warning instead. */
  #emitSafely<K extends keyof JwksCacheEvents>(event: K, ...args: JwksCacheEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: JwksCacheEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      process.emitWarning(err instanceof Error ? err : new Error(`a ${event} listener threw`));
    }
  }
}


/** A reference to a shared {@link JwksCache}; call `release` once when done with it. */
export interface SharedJwksCache {
  readonly cache: JwksCache;
  /** Drops this reference; the last one closes the cache. Calling it again does nothing. */
  release(): void;
}

const sharedCaches = new Map<string, { cache: JwksCache; refs: number }>();

/**
 * The process-wide cache for `uri` and these option values, created on first use and reference
 * counted: every verifier on the same JWKS shares one key set and one refetch budget. Options with a
 * custom `fetch`, `now` or `waitUntil` get a private cache (functions cannot be compared meaningfully), still
 * closed by `release`.
 *
 * @example
 * ```ts
 * const { cache, release } = getSharedJwksCache('https://auth.example.com/jwks', { cooldown: 30_000 });
 * try {
 *   await cache.load(undefined);
 * } finally {
 *   release();
 * }
 * ```
 */
export function getSharedJwksCache(uri: string, init: JwksCacheInit = {}): SharedJwksCache {
  const options = resolveJwksCacheOptions(init);
  const href = normalizeHttpUri(uri, 'jwksUri');
  if (options.fetch !== undefined || options.now !== systemNow || options.waitUntil !== undefined) {
    const cache = new JwksCache(href, options);
    return { cache, release: () => cache.close() };
  }
  const key = JSON.stringify([
    href,
    options.cacheMaxAge,
    options.cooldown,
    options.timeout,
    options.staleIfError,
    options.errorCooldown,
    options.maxResponseBytes,
    options.maxKeys,
  ]);
  let entry = sharedCaches.get(key);
  if (entry === undefined || entry.cache.closed) {
    entry = { cache: new JwksCache(href, options), refs: 0 };
    sharedCaches.set(key, entry);
  }
  const held = entry;
  held.refs += 1;
  let released = false;
  return {
    cache: held.cache,
    release: () => {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs > 0) return;
      held.cache.close();
      if (sharedCaches.get(key) === held) sharedCaches.delete(key);
    },
  };
}
