/**
 * The verified-token cache: a repeated token skips parsing and the signature check, never the time
 * checks. Keyed by the exact token string (signature included), so a hit is only ever the very bytes
 * that were verified before. See the README's "Token cache" section for the security argument.
 */
import { LRUCache } from 'lru-cache';
import type { VerificationKey } from '../keys/jwk-import.js';
import { rejectUnknownKeys } from '../lib/known-keys.js';
import type { AccessToken } from '../types.js';

/** Settings of the verified-token cache (`tokenCache` option); `false` turns it off. */
export interface TokenCacheOptions {
  /** Most tokens kept. Default 10 000. */
  max?: number | undefined;
  /** Most bytes kept, estimated from token and claims sizes. Default 16 MiB. */
  maxBytes?: number | undefined;
  /** Longest a token stays cached, in seconds, whatever its `exp`. Default 600. */
  maxTtl?: number | undefined;
}

export interface CachedToken {
  readonly auth: AccessToken<object>;
  /** The JWKS key that verified it; the entry is dropped once that key leaves the key set. */
  readonly key: VerificationKey | undefined;
  readonly kid: string | undefined;
  readonly exp: number;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
}

export const DEFAULT_TOKEN_CACHE = Object.freeze({ max: 10_000, maxBytes: 16 * 1024 * 1024, maxTtl: 600 });

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`Portcullis: option "tokenCache.${name}" must be a finite number > 0`);
  }
  return value;
}

/**
 * When the cache is full, a token gets in only the second time it is seen within a window of recent
 * misses, so that a stream of tokens each seen once (the usual case under load: every client's new
 * token) does not churn the cache. Each insert costs more than the miss itself: the entry is young
 * garbage-collected memory that every scavenge must copy until it is promoted, and it evicts an
 * older entry. Measured (test/bench, RS256, 20,000 distinct tokens): about 2 µs per token.
 *
 * The window is a direct-mapped table of 32-bit tags (taken from the signature, which the issuer's
 * key made), a quarter of the cache's entry count rounded to a power of two: a token is admitted
 * when its tag is still in its slot, that is, when few enough misses came between its two sightings.
 * It decides only what is cached: a hit is still the exact token string verified before.
 */
/**
 * The map key of a token: its last 32 characters, which lie in the signature (24 bytes of it for a
 * full-length final group). Over HTTP every request brings the token as a new string, whose hash
 * V8 computes on the lookup: hashing 32 characters instead of the whole token saves most of a cache
 * hit's cost. Tokens that share a tail (a forged copy of a signature) only make a lookup compare the
 * whole text and miss; a verified token always has a signature of its own.
 */
const KEY_LENGTH = 32;

function keyOf(token: string): string {
  return token.length <= KEY_LENGTH ? token : token.slice(token.length - KEY_LENGTH);
}

function entrySize(token: string): number {
  return token.length * 2 + 512;
}

export class TokenCache {
  readonly #lru: LRUCache<string, CachedToken>;
  readonly #maxTtlMs: number;
  readonly #max: number;
  readonly #maxSize: number;
  readonly #seen: Uint32Array;
  readonly #seenMask: number;
  hits = 0;
  misses = 0;

  constructor(options: TokenCacheOptions) {
    rejectUnknownKeys(options, Object.keys(DEFAULT_TOKEN_CACHE), 'tokenCache');
    const max = Math.floor(positive(options.max, 'max', DEFAULT_TOKEN_CACHE.max));
    const maxSize = Math.floor(positive(options.maxBytes, 'maxBytes', DEFAULT_TOKEN_CACHE.maxBytes));
    this.#maxTtlMs = positive(options.maxTtl, 'maxTtl', DEFAULT_TOKEN_CACHE.maxTtl) * 1000;
    this.#max = max;
    this.#maxSize = maxSize;
    const slots = Math.max(64, 2 ** Math.ceil(Math.log2(max / 4)));
    this.#seen = new Uint32Array(slots);
    this.#seenMask = slots - 1;
    // Sizes are estimates: the token twice (the key and AccessToken.token share one string, but the
    // claims decoded from it are about as large again), plus a fixed overhead per entry.
    this.#lru = new LRUCache<string, CachedToken>({
      max,
      maxSize,
      sizeCalculation: (value) => entrySize(value.auth.token),
      ttlAutopurge: false,
    });
  }

  get(token: string): CachedToken | undefined {
    const entry = this.#lru.get(keyOf(token));
    // The key is only the token's tail: a hit is the very same token text, compared whole.
    if (entry === undefined || entry.auth.token !== token) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry;
  }

  /**
   * How long (ms) a verified token may be cached from now: until `exp` (plus tolerance) and no longer
   * than `maxTtl`; 0 when it is not to be cached: already past that, or, when the cache is full, not
   * seen recently (see the class comment). `tag`: 32 bits that tell tokens apart, e.g. the first four
   * bytes of the signature. Asked before the token's AccessToken is built: see {@link set}.
   */
  admit(token: string, exp: number, nowMs: number, clockToleranceSec: number, tag: number): number {
    const ttl = Math.min(this.#maxTtlMs, (exp + clockToleranceSec) * 1000 - nowMs);
    if (!(ttl > 0)) return 0;
    // Full by count, or by size (this entry would make the LRU evict).
    if (this.#lru.size >= this.#max || this.#lru.calculatedSize + entrySize(token) > this.#maxSize) {
      const slot = tag & this.#seenMask;
      // Never 0, which marks an empty slot; the slot index already holds the low bit.
      const mark = (tag | 1) >>> 0;
      if (this.#seen[slot] !== mark) {
        this.#seen[slot] = mark;
        return 0;
      }
      this.#seen[slot] = 0;
    }
    return ttl;
  }

  /**
   * Caches an entry for `ttlMs` (from {@link admit}). Build the entry's objects apart from those of
   * tokens that are not cached (a separate object literal): V8 decides per allocation site whether to
   * allocate objects straight in the old generation, and a site whose objects mostly live long would
   * make every request's short-lived AccessToken old-generation garbage.
   */
  set(token: string, entry: CachedToken, ttlMs: number): void {
    this.#lru.set(keyOf(token), entry, { ttl: ttlMs });
  }

  /** Drops the entry {@link get} just returned, which no longer holds: that lookup counts as a miss. */
  evict(token: string): void {
    const key = keyOf(token);
    if (this.#lru.peek(key)?.auth.token !== token) return;
    this.#lru.delete(key);
    this.hits--;
    this.misses++;
  }

  get size(): number {
    return this.#lru.size;
  }

  clear(): void {
    this.#lru.clear();
  }
}

/**
 * Freezes a decoded JSON value, so a handler cannot change the cached claims other requests see.
 * Only objects and arrays are descended into: most members of a claims set are strings and numbers.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (Array.isArray(value)) {
      for (const entry of value as unknown[]) if (typeof entry === 'object' && entry !== null) deepFreeze(entry);
    } else {
      const record = value as Record<string, unknown>;
      // for…in allocates no key list; JSON.parse gives plain objects, and a member that is not the
      // object's own (only possible if Object.prototype was given enumerable members) is skipped.
      for (const key in record) {
        const member = record[key];
        if (typeof member === 'object' && member !== null && Object.hasOwn(record, key)) deepFreeze(member);
      }
    }
  }
  return value;
}
