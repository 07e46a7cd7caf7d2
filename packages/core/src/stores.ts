/**
 * The state that many instances of one API must share, behind two small asynchronous interfaces: the
 * DPoP proof replay store and the introspection result cache. Core ships bounded in-memory defaults;
 * `@portcullis/redis` implements both over Redis.
 *
 * Contract for every implementation: each call settles within the implementation's own timeout (a store
 * that cannot answer rejects; core never waits on it forever), keys arrive already hashed and prefixed by
 * purpose from core, and nothing here ever sees a raw token.
 */
import { LRUCache } from 'lru-cache';

/**
 * Remembers DPoP proof `jti`s (RFC 9449 §11.1) so that a proof is accepted once.
 *
 * @example
 * ```ts
 * const store: ReplayStore = new MemoryReplayStore();
 * await store.add('jti:abc', 300_000); // true: first use
 * await store.add('jti:abc', 300_000); // false: a replay
 * ```
 */
export interface ReplayStore {
  /**
   * Records `key` for `ttlMs` milliseconds unless it is already recorded, atomically. Resolves `true`
   * when this call recorded it (first use), `false` when it was already there (a replay). Rejects when
   * the store cannot answer.
   */
  add(key: string, ttlMs: number): Promise<boolean>;
}

/**
 * Caches introspection results (RFC 7662) that passed every check, as JSON text, under a key core
 * derives from a hash of the endpoint and the token.
 *
 * @example
 * ```ts
 * const cache: IntrospectionCacheStore = new MemoryIntrospectionCache();
 * await cache.set('k', '{"active":true}', 30_000);
 * await cache.get('k'); // '{"active":true}'
 * ```
 */
export interface IntrospectionCacheStore {
  /** The value stored under `key`, or undefined when absent or expired. Rejects when the store cannot answer. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlMs` milliseconds. Rejects when the store cannot answer. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
}

/** Bounds of the in-memory stores. */
export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used go first when full. */
  max?: number | undefined;
}

function maxEntries(options: MemoryStoreOptions | undefined, fallback: number, name: string): number {
  const max = options?.max ?? fallback;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw new TypeError(`Portcullis: option "${name}.max" must be an integer ≥ 1`);
  return max;
}

/**
 * The default {@link ReplayStore}: one process's memory, bounded (100 000 entries by default). Behind a
 * load balancer each instance has its own, so a proof can be replayed once per instance: use a shared
 * store (`@portcullis/redis`) there. When full, the oldest entries go first.
 *
 * @example
 * ```ts
 * createVerifier({ issuer, audience, dpop: { replayStore: new MemoryReplayStore({ max: 10_000 }) } });
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  /** Key → expiry in epoch ms (Date.now, so that fake timers and the verifier's clock agree). */
  readonly #seen: LRUCache<string, number>;

  constructor(options?: MemoryStoreOptions) {
    this.#seen = new LRUCache<string, number>({ max: maxEntries(options, 100_000, 'replayStore') });
  }

  add(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const expiresAt = this.#seen.get(key);
    if (expiresAt !== undefined && expiresAt > now) return Promise.resolve(false);
    this.#seen.set(key, now + Math.max(1, ttlMs));
    return Promise.resolve(true);
  }

  /** Entries currently held. */
  get size(): number {
    return this.#seen.size;
  }
}

/**
 * The default {@link IntrospectionCacheStore}: one process's memory, bounded (10 000 entries by default).
 *
 * @example
 * ```ts
 * const cache = new MemoryIntrospectionCache({ max: 50_000 });
 * ```
 */
export class MemoryIntrospectionCache implements IntrospectionCacheStore {
  readonly #entries: LRUCache<string, { value: string; expiresAt: number }>;

  constructor(options?: MemoryStoreOptions) {
    this.#entries = new LRUCache<string, { value: string; expiresAt: number }>({ max: maxEntries(options, 10_000, 'introspection.cacheStore') });
  }

  get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve(undefined);
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(entry.value);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: Date.now() + Math.max(1, ttlMs) });
    return Promise.resolve();
  }

  /** Entries currently held. */
  get size(): number {
    return this.#entries.size;
  }
}
