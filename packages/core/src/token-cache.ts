/**
 * The verified-token cache: a repeated token skips parsing and the signature check, never the time
 * checks. Keyed by the exact token string (signature included), so a hit is only ever the very bytes
 * that were verified before. See the README's "Token cache" section for the security argument.
 */
import { LRUCache } from 'lru-cache';
import type { VerificationKey } from './keys/jwk-import.js';
import { rejectUnknownKeys } from './lib/known-keys.js';
import type { AccessToken } from './types.js';

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

export class TokenCache {
  readonly #lru: LRUCache<string, CachedToken>;
  readonly #maxTtlMs: number;
  hits = 0;
  misses = 0;

  constructor(options: TokenCacheOptions) {
    rejectUnknownKeys(options, Object.keys(DEFAULT_TOKEN_CACHE), 'tokenCache');
    const max = Math.floor(positive(options.max, 'max', DEFAULT_TOKEN_CACHE.max));
    const maxSize = Math.floor(positive(options.maxBytes, 'maxBytes', DEFAULT_TOKEN_CACHE.maxBytes));
    this.#maxTtlMs = positive(options.maxTtl, 'maxTtl', DEFAULT_TOKEN_CACHE.maxTtl) * 1000;
    // Sizes are estimates: the token twice (the key and AccessToken.token share one string, but the
    // claims decoded from it are about as large again), plus a fixed overhead per entry.
    this.#lru = new LRUCache<string, CachedToken>({
      max,
      maxSize,
      sizeCalculation: (_value, key) => key.length * 2 + 512,
      ttlAutopurge: false,
    });
  }

  get(token: string): CachedToken | undefined {
    const entry = this.#lru.get(token);
    if (entry === undefined) this.misses++;
    else this.hits++;
    return entry;
  }

  /** Caches a verified token until `exp` (plus tolerance), and no longer than `maxTtl`. */
  set(token: string, entry: CachedToken, nowMs: number, clockToleranceSec: number): void {
    const ttl = Math.min(this.#maxTtlMs, (entry.exp + clockToleranceSec) * 1000 - nowMs);
    if (ttl > 0) this.#lru.set(token, entry, { ttl });
  }

  delete(token: string): void {
    this.#lru.delete(token);
  }

  get size(): number {
    return this.#lru.size;
  }

  clear(): void {
    this.#lru.clear();
  }
}

/** Freezes a decoded JSON value, so a handler cannot change the cached claims other requests see. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
