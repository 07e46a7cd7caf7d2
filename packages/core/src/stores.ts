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
  /**
   * Most entries kept. The introspection cache drops the least recently used when full; the replay store
   * never drops a live entry and refuses new ones instead.
   */
  max?: number | undefined;
}

function maxEntries(options: MemoryStoreOptions | undefined, fallback: number, name: string): number {
  const max = options?.max ?? fallback;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw new TypeError(`Portcullis: option "${name}.max" must be an integer ≥ 1`);
  return max;
}

/**
 * What {@link MemoryReplayStore.add} rejects with when every entry it holds is still inside its window:
 * forgetting one would let a replay of that proof pass (RFC 9449 §11.1), so the new proof is refused
 * instead (the verifier answers 503 `replay_store_unavailable` and emits `replay_store_failed`).
 *
 * @example
 * ```ts
 * verifier.on('replay_store_failed', (e) => { if (e.error instanceof ReplayStoreFullError) alert('raise dpop.replayStore max'); });
 * ```
 */
export class ReplayStoreFullError extends Error {
  readonly code = 'replay_store_full' as const;
  constructor(max: number) {
    super(`the replay store holds ${max} proofs still inside their window`);
    this.name = 'ReplayStoreFullError';
  }
}

/**
 * The default {@link ReplayStore}: one process's memory, bounded (100 000 entries by default, about
 * 12 MiB). An entry is never dropped before its window ends: when the store is full of live entries,
 * `add` rejects with {@link ReplayStoreFullError} (a 503 for that request) until the oldest expire, and
 * expired entries are reclaimed as new ones arrive. With the default window (300 s + 2 × 5 s) it
 * sustains `max / 310` distinct proofs a second (about 320 for 100 000): size `max` for your peak.
 * Behind a load balancer each instance has its own, so a proof can be replayed once per instance: use
 * a shared store (`@portcullis/redis`) there.
 *
 * @example
 * ```ts
 * createVerifier({ issuer, audience, dpop: { replayStore: new MemoryReplayStore({ max: 1_000_000 }) } });
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #max: number;
  /** Key → expiry in ms after #epoch, in insertion order (Date.now, so that fake timers and the verifier agree). */
  readonly #seen = new Map<string, number>();
  /** Small offsets stay small integers, which V8 keeps without a heap number per entry. */
  readonly #epoch = Date.now();
  /** No entry expires before this (set when a full sweep found none to reclaim). */
  #noExpiryBefore = -Infinity;

  constructor(options?: MemoryStoreOptions) {
    this.#max = maxEntries(options, 100_000, 'replayStore');
  }

  add(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now() - this.#epoch;
    const expiresAt = this.#seen.get(key);
    if (expiresAt !== undefined) {
      if (expiresAt > now) return Promise.resolve(false);
      this.#seen.delete(key);
    }
    if (this.#seen.size >= this.#max && !this.#reclaim(now)) return Promise.reject(new ReplayStoreFullError(this.#max));
    const expiry = now + Math.max(1, ttlMs);
    if (expiry < this.#noExpiryBefore) this.#noExpiryBefore = expiry;
    this.#seen.set(key, expiry);
    return Promise.resolve(true);
  }

  /** Drops expired entries; true when there is room afterwards. */
  #reclaim(now: number): boolean {
    // Oldest first: with one window per verifier, insertion order is expiry order, so this stops at the
    // first live entry and costs what it frees.
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt > now) break;
      this.#seen.delete(key);
    }
    if (this.#seen.size < this.#max) return true;
    // Shorter windows may hide behind a live head: one full sweep, and none again before the earliest
    // expiry it saw, so that a flood against a full store costs no sweep per request.
    if (now < this.#noExpiryBefore) return false;
    let earliest = Infinity;
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt <= now) this.#seen.delete(key);
      else if (expiresAt < earliest) earliest = expiresAt;
    }
    this.#noExpiryBefore = earliest;
    return this.#seen.size < this.#max;
  }

  /** Entries currently held (expired ones included until they are reclaimed). */
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
