/**
 * The signing keys of one configured issuer: its JWKS URI (configured, or discovered lazily on first
 * need) and the shared {@link JwksCache} for that URI.
 */
import { EventEmitter } from 'node:events';
import { discoverJwksUri, metadataUrls } from './discovery.js';
import { KeysUnavailableError } from '../errors/errors.js';
import { normalizeHttpUri } from '../lib/fetch-json.js';
import { InFlightAborts } from '../lib/in-flight.js';
import type { VerificationKey } from './jwk-import.js';
import { getSharedJwksCache } from './jwks-cache.js';
import type {
  JwksCache,
  JwksCacheEvents,
  JwksCacheStats,
  JwksFailureEvent,
  JwksFetchedEvent,
  JwksStaleEvent,
  SharedJwksCache,
} from './jwks-cache.js';
import { resolveJwksCacheOptions } from './jwks-options.js';
import type { JwksCacheInit, ResolvedJwksCacheOptions } from './jwks-options.js';

/** Options of {@link IssuerKeys}. */
export interface IssuerKeysOptions {
  /** The JWKS URI; when absent it is discovered from the issuer's metadata. */
  jwksUri?: string | undefined;
  /** JWKS cache settings; `timeout` and `errorCooldown` also apply to discovery. */
  jwks?: JwksCacheInit | undefined;
  /** Largest metadata document, in bytes. Default 64 KiB. */
  discoveryMaxBytes?: number | undefined;
}

/** Payload of `discovery_failed`. `error` is a `DiscoveryError` or a `FetchError`; never a body. */
export interface DiscoveryFailedEvent {
  issuer: string;
  error: Error;
}

/** The events of {@link IssuerKeys}: those of its {@link JwksCache}, and `discovery_failed`. */
export type IssuerKeysEvents = JwksCacheEvents & { discovery_failed: [DiscoveryFailedEvent] };

/** {@link JwksCacheStats} of the issuer's cache (zeros before the URI is known), and discovery state. */
export interface IssuerKeysStats extends JwksCacheStats {
  jwksUri: string | undefined;
  discoveryFailures: number;
}

/**
 * The keys of one issuer. Discovery runs once, on the first `load`, shared by concurrent callers; a
 * failed discovery is retried no sooner than `jwks.errorCooldown`, and meanwhile `load` throws
 * {@link KeysUnavailableError}. A `jwksUri` configured explicitly may use plain http; a discovered one
 * must be https (http only on a loopback host), and discovery itself needs such an issuer URL.
 *
 * @example
 * ```ts
 * const keys = new IssuerKeys('https://auth.example.com/', { jwks: { cooldown: 30_000 } });
 * keys.on('discovery_failed', ({ error }) => console.error(error.message));
 * const candidates = keys.peek(kid) ?? (await keys.load(kid));
 * keys.close();
 * ```
 */
export class IssuerKeys extends EventEmitter<IssuerKeysEvents> {
  readonly issuer: string;
  readonly #jwksInit: JwksCacheInit;
  readonly #options: ResolvedJwksCacheOptions;
  readonly #discoveryMaxBytes: number | undefined;
  readonly #aborts = new InFlightAborts();
  #shared: SharedJwksCache | undefined;
  #unsubscribe: (() => void) | undefined;
  #discovering: Promise<JwksCache> | undefined;
  #discoveryFailedAt: number | undefined;
  #discoveryError: Error | undefined;
  #discoveryFailures = 0;
  #closed = false;

  constructor(issuer: string, options: IssuerKeysOptions = {}) {
    super();
    this.issuer = issuer;
    this.#jwksInit = options.jwks ?? {};
    this.#options = resolveJwksCacheOptions(this.#jwksInit);
    const maxBytes = options.discoveryMaxBytes;
    if (maxBytes !== undefined && (!Number.isInteger(maxBytes) || maxBytes < 1)) {
      throw new TypeError('discoveryMaxBytes must be a positive integer');
    }
    this.#discoveryMaxBytes = maxBytes;
    if (options.jwksUri !== undefined) this.#attach(normalizeHttpUri(options.jwksUri, 'jwksUri'));
    // Fail now, not on the first request, when the issuer cannot be discovered.
    else metadataUrls(issuer);
  }

  /** The JWKS URI, once configured or discovered. */
  get jwksUri(): string | undefined {
    return this.#shared?.cache.uri;
  }

  /** Keys for `kid` without waiting, or `undefined` (see {@link JwksCache.peek}); always `undefined` before discovery. */
  peek(kid: string | undefined): readonly VerificationKey[] | undefined {
    return this.#shared?.cache.peek(kid);
  }

  /**
   * Keys for `kid`, discovering the JWKS URI and fetching as needed; `[]` when `kid` stays unknown.
   *
   * @throws {@link KeysUnavailableError} when discovery or the JWKS fails and no usable key is cached.
   */
  async load(kid: string | undefined): Promise<readonly VerificationKey[]> {
    if (this.#closed) throw new KeysUnavailableError({ retryAfter: 1, cause: new Error('issuer keys closed') });
    const cache = this.#shared?.cache ?? (await this.#discover());
    return cache.load(kid);
  }

  /** Counters for health checks and metrics. */
  stats(): IssuerKeysStats {
    const cache = this.#shared?.cache;
    const base: JwksCacheStats = cache?.stats() ?? {
      fetches: 0,
      fetchFailures: 0,
      keyCount: 0,
      lastFetchAt: undefined,
      stale: false,
    };
    return { ...base, jwksUri: cache?.uri, discoveryFailures: this.#discoveryFailures };
  }

  /** Aborts discovery, stops forwarding events and releases the shared cache (closed by its last user). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#aborts.abortAll();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#shared?.release();
    this.#shared = undefined;
  }

  #discover(): Promise<JwksCache> {
    if (this.#discovering !== undefined) return this.#discovering;
    const now = this.#options.now();
    const failedAt = this.#discoveryFailedAt;
    if (failedAt !== undefined && now - failedAt < this.#options.errorCooldown) {
      const retryAfter = (this.#options.errorCooldown - (now - failedAt)) / 1000;
      return Promise.reject(new KeysUnavailableError({ retryAfter, cause: this.#discoveryError }));
    }
    const discovering = this.#runDiscovery().finally(() => {
      this.#discovering = undefined;
    });
    this.#discovering = discovering;
    return discovering;
  }

  async #runDiscovery(): Promise<JwksCache> {
    let uri: string;
    try {
      uri = await this.#aborts.run((signal) =>
        discoverJwksUri(this.issuer, {
          timeout: this.#options.timeout,
          maxBytes: this.#discoveryMaxBytes,
          fetch: this.#options.fetch,
          signal,
        }),
      );
    } catch (err) {
      const error = err instanceof Error ? err : new Error('discovery failed', { cause: err });
      if (this.#closed) throw new KeysUnavailableError({ retryAfter: 1, cause: error });
      this.#discoveryFailures += 1;
      this.#discoveryFailedAt = this.#options.now();
      this.#discoveryError = error;
      try {
        this.emit('discovery_failed', { issuer: this.issuer, error });
      } catch (listenerError) {
        process.emitWarning(listenerError instanceof Error ? listenerError : new Error('a discovery_failed listener threw'));
      }
      throw new KeysUnavailableError({ retryAfter: this.#options.errorCooldown / 1000, cause: error });
    }
    if (this.#closed) throw new KeysUnavailableError({ retryAfter: 1, cause: new Error('issuer keys closed') });
    this.#discoveryFailedAt = undefined;
    this.#discoveryError = undefined;
    return this.#attach(uri);
  }

  #attach(uri: string): JwksCache {
    const shared = getSharedJwksCache(uri, this.#jwksInit);
    this.#shared = shared;
    const { cache } = shared;
    const fetched = (event: JwksFetchedEvent): void => void this.emit('jwks_fetched', event);
    const failed = (event: JwksFailureEvent): void => void this.emit('jwks_refresh_failed', event);
    const stale = (event: JwksStaleEvent): void => void this.emit('jwks_stale', event);
    const unavailable = (event: JwksFailureEvent): void => void this.emit('keys_unavailable', event);
    cache.on('jwks_fetched', fetched);
    cache.on('jwks_refresh_failed', failed);
    cache.on('jwks_stale', stale);
    cache.on('keys_unavailable', unavailable);
    this.#unsubscribe = () => {
      cache.off('jwks_fetched', fetched);
      cache.off('jwks_refresh_failed', failed);
      cache.off('jwks_stale', stale);
      cache.off('keys_unavailable', unavailable);
    };
    return shared.cache;
  }
}
