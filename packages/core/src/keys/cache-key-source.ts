/**
 * A {@link KeySource} whose JWKS outlives the isolate: the document is kept in a cache with the shape
 * of the Workers Cache API (`caches.default`, `await caches.open(name)`), so a fresh isolate of a
 * Cloudflare Worker starts with the keys of the last one instead of fetching them from the issuer
 * (keys fetched per isolate cost a round trip to the issuer on every cold start). In memory the keys
 * are imported once per isolate; past `maxAge` they keep serving while a background refresh, handed to
 * `waitUntil`, fetches and stores the new document.
 */
import type { KeySource } from './key-source.js';
import { fetchJson, normalizeHttpUri } from '../lib/fetch-json.js';
import { importVerificationKey, jwkFingerprint, type VerificationKey } from './jwk-import.js';

/** The part of the Workers Cache API (`Cache`) this source uses. */
export interface JwksDocumentCache {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
}

/** Options of {@link createCachedKeySource}. Durations in seconds, like `Cache-Control`. */
export interface CachedKeySourceOptions {
  /** The issuer's JWKS URI (http or https): the fetch URL and the cache key. */
  jwksUri: string;
  /**
   * Where the JWKS document is kept between isolates: `caches.default`, or a function returning the
   * cache (`() => caches.open('jwks')`), called on first use rather than at module scope.
   */
  cache: JwksDocumentCache | (() => JwksDocumentCache | Promise<JwksDocumentCache>);
  /** How long a fetched JWKS is used before a background refresh, in memory and in the cache. Default 600. */
  maxAge?: number | undefined;
  /** How long past `maxAge` the last keys keep serving while refreshes fail. Default 3 600. */
  staleIfError?: number | undefined;
  /** At most one fetch for an unknown `kid` per this many seconds (per isolate). Default 10. */
  cooldown?: number | undefined;
  /** Per fetch, in milliseconds. Default 5 000. */
  timeout?: number | undefined;
  /** The largest JWKS accepted, in bytes. Default 524 288. */
  maxResponseBytes?: number | undefined;
  /** Handed each background refresh and cache write: `waitUntil` from `cloudflare:workers`. */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
  /** A `fetch` with the global signature. Default: the global `fetch`. */
  fetch?: typeof fetch | undefined;
}

const FETCHED_AT_HEADER = 'x-portcullis-fetched-at';
const MAX_KEYS = 100;

/**
 * A key source over a Workers-style cache. Give it as an issuer's `keySource`.
 *
 * @example
 * ```ts
 * import { waitUntil } from 'cloudflare:workers';
 * const keySource = createCachedKeySource({ jwksUri: 'https://auth.example.com/jwks', cache: () => caches.default, waitUntil });
 * const verifier = createVerifier({ issuer: [{ issuer: 'https://auth.example.com/', keySource }], audience: 'api' });
 * ```
 */
export function createCachedKeySource(options: CachedKeySourceOptions): KeySource {
  return new CachedKeySource(options);
}

const seconds = (options: CachedKeySourceOptions, name: 'maxAge' | 'staleIfError' | 'cooldown', fallback: number): number => {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 31_536_000) {
    throw new TypeError(`keySource.${name} must be a number of seconds from 0 to 31536000`);
  }
  return value * 1000;
};

class CachedKeySource implements KeySource {
  readonly #uri: string;
  readonly #cache: () => JwksDocumentCache | Promise<JwksDocumentCache>;
  readonly #maxAge: number;
  readonly #staleIfError: number;
  readonly #cooldown: number;
  readonly #timeout: number;
  readonly #maxBytes: number;
  readonly #waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  readonly #fetch: typeof fetch | undefined;
  #keys: readonly VerificationKey[] | undefined;
  #byFingerprint = new Map<string, VerificationKey>();
  #fetchedAt = 0;
  #lastKidFetchAt: number | undefined;
  #loading: Promise<void> | undefined;

  constructor(options: CachedKeySourceOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('keySource options must be an object');
    this.#uri = normalizeHttpUri(options.jwksUri, 'jwksUri');
    const { cache } = options;
    if (typeof cache === 'function') this.#cache = cache;
    else if (typeof cache === 'object' && cache !== null && typeof cache.match === 'function' && typeof cache.put === 'function') this.#cache = () => cache;
    else throw new TypeError('keySource.cache must be a Cache (match, put) or a function returning one');
    this.#maxAge = seconds(options, 'maxAge', 600);
    this.#staleIfError = seconds(options, 'staleIfError', 3600);
    this.#cooldown = seconds(options, 'cooldown', 10);
    this.#timeout = options.timeout ?? 5_000;
    this.#maxBytes = options.maxResponseBytes ?? 512 * 1024;
    if (!Number.isInteger(this.#timeout) || this.#timeout < 1) throw new TypeError('keySource.timeout must be a positive integer');
    if (!Number.isInteger(this.#maxBytes) || this.#maxBytes < 1) throw new TypeError('keySource.maxResponseBytes must be a positive integer');
    if (options.waitUntil !== undefined && typeof options.waitUntil !== 'function') throw new TypeError('keySource.waitUntil must be a function');
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('keySource.fetch must be a function');
    this.#waitUntil = options.waitUntil;
    this.#fetch = options.fetch;
  }

  peek(kid: string | undefined): readonly VerificationKey[] | undefined {
    const keys = this.#keys;
    if (keys === undefined) return undefined;
    const age = Date.now() - this.#fetchedAt;
    if (age >= this.#maxAge + this.#staleIfError) return undefined;
    if (age >= this.#maxAge && this.#loading === undefined) this.#handOff(this.#refresh(false));
    return select(keys, kid);
  }

  async load(kid: string | undefined): Promise<readonly VerificationKey[]> {
    if (this.#keys === undefined || Date.now() - this.#fetchedAt >= this.#maxAge + this.#staleIfError) await this.#refresh(true);
    const found = select(this.#keys!, kid);
    if (found !== undefined) return found;
    // An unknown kid: the issuer may have published a new key since the document was cached.
    const now = Date.now();
    if (this.#lastKidFetchAt !== undefined && now - this.#lastKidFetchAt < this.#cooldown) return [];
    this.#lastKidFetchAt = now;
    await this.#refresh(false);
    return select(this.#keys!, kid) ?? [];
  }

  /** One refresh at a time; `fromCache` first tries the cache (a cold isolate), else the issuer. */
  #refresh(fromCache: boolean): Promise<void> {
    this.#loading ??= this.#run(fromCache).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #run(fromCache: boolean): Promise<void> {
    if (fromCache && (await this.#readCache())) return;
    const body = await fetchJson(this.#uri, { timeout: this.#timeout, maxBytes: this.#maxBytes, fetch: this.#fetch });
    this.#install(body, Date.now());
    const text = JSON.stringify(body);
    const headers = {
      'content-type': 'application/json',
      'cache-control': `max-age=${Math.ceil((this.#maxAge + this.#staleIfError) / 1000)}`,
      [FETCHED_AT_HEADER]: String(this.#fetchedAt),
    };
    const write = Promise.resolve(this.#cache())
      .then((cache) => cache.put(this.#uri, new Response(text, { headers })))
      .catch(() => undefined); // a cache that cannot store costs a fetch per isolate, nothing more
    if (this.#waitUntil === undefined) await write;
    else this.#handOff(write);
  }

  /** Whether the cache held a usable document (now installed). */
  async #readCache(): Promise<boolean> {
    try {
      const response = await (await this.#cache()).match(this.#uri);
      if (response === undefined) return false;
      const fetchedAt = Number(response.headers.get(FETCHED_AT_HEADER));
      const text = await response.text();
      if (!Number.isFinite(fetchedAt) || fetchedAt <= 0 || Date.now() - fetchedAt >= this.#maxAge + this.#staleIfError) return false;
      if (text.length > this.#maxBytes) return false;
      this.#install(JSON.parse(text), fetchedAt);
      return true;
    } catch {
      return false; // a broken entry is as good as none: the issuer is asked
    }
  }

  #install(body: unknown, fetchedAt: number): void {
    const list: unknown = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
    if (!Array.isArray(list) || list.length > MAX_KEYS) throw new Error('the JWKS has no "keys" array of at most 100 entries');
    const keys: VerificationKey[] = [];
    const fingerprints = new Map<string, VerificationKey>();
    for (const jwk of list as unknown[]) {
      const fingerprint = jwkFingerprint(jwk);
      // An unchanged JWK keeps its imported key across refreshes.
      const key = (fingerprint === undefined ? undefined : this.#byFingerprint.get(fingerprint)) ?? importVerificationKey(jwk);
      if (key === undefined) continue;
      keys.push(key);
      if (fingerprint !== undefined) fingerprints.set(fingerprint, key);
    }
    if (keys.length === 0) throw new Error('the JWKS holds no usable signature key');
    this.#keys = Object.freeze(keys);
    this.#byFingerprint = fingerprints;
    this.#fetchedAt = fetchedAt;
  }

  #handOff(promise: Promise<unknown>): void {
    const settled = promise.catch(() => undefined);
    try {
      this.#waitUntil?.(settled);
    } catch {
      // The work runs either way.
    }
  }
}

function select(keys: readonly VerificationKey[], kid: string | undefined): readonly VerificationKey[] | undefined {
  if (kid === undefined) return keys;
  const matching = keys.filter((key) => key.kid === kid);
  return matching.length > 0 ? matching : undefined;
}
