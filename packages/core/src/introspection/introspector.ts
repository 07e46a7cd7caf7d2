/**
 * One issuer's RFC 7662 introspection: the endpoint (configured or discovered), the result cache,
 * one shared call per token in flight, a bound on concurrent calls, and a time budget per request.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { AuthError, IntrospectionUnavailableError, InvalidTokenError } from '../errors/errors.js';
import { discoverIntrospectionEndpoint } from '../keys/discovery.js';
import { FetchError, fetchBounded, parseJsonText } from '../lib/fetch-json.js';
import { countIntrospectionCacheHit } from '../observability/otel.js';
import { InFlightAborts } from '../lib/in-flight.js';
import { MemoryIntrospectionCache } from '../stores.js';
import type { JwtClaims } from '../types.js';
import { introspectionCacheKey } from './cache-key.js';
import { MalformedJwtResponse, verifyJwtResponse, type JwtResponseContext } from './jwt-response.js';
import { ConcurrencyLimiter } from './limiter.js';
import type { ResolvedIntrospection } from './options.js';
import { introspectionRequest, JWT_RESPONSE_MEDIA_TYPE } from './request.js';
import { badRequestSubject } from './error-answer.js';
import { checkIntrospectionResponse, type IntrospectionRules } from './response-checks.js';
import type { IntrospectionEvents, IntrospectionFailureKind, IntrospectionStats } from './events.js';

/** What an {@link Introspector} needs besides its options. */
export interface IntrospectorInit {
  readonly rules: IntrospectionRules;
  readonly jwt: JwtResponseContext;
  readonly discoveryMaxBytes: number;
  readonly realm: string | undefined;
  /** Milliseconds between discovery attempts after a failure. */
  readonly errorCooldown: number;
  readonly fetch?: typeof fetch | undefined;
}

class Unavailable extends Error {
  constructor(
    readonly kind: IntrospectionFailureKind,
    message: string,
    readonly status?: number,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** A copy of a refusal shared by the requests of one in-flight call, for one of them; no challenge stamped yet. */
function ownCopy(error: AuthError): AuthError {
  // Descriptors, not Object.assign: message, stack and cause are not enumerable.
  const copy = Object.create(Object.getPrototypeOf(error) as object, Object.getOwnPropertyDescriptors(error)) as AuthError;
  copy.challenge = undefined;
  return copy;
}

/** Largest introspection response accepted, in bytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** What `#cacheGet` answers when the store rejected or timed out (a miss is `undefined`). */
const STORE_FAILED = Symbol('store failed');

function withTimeout<T>(promise: Promise<T>, ms: number, store: unknown): Promise<T> {
  // The built-in memory store answers at once: no timer needed to bound it.
  if (store instanceof MemoryIntrospectionCache) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cache store did not answer within ${Math.round(ms)} ms`)), Math.max(1, ms));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error('the cache store failed', { cause: error }));
      },
    );
  });
}

/**
 * Introspects tokens at one issuer. Created by the verifier for an issuer with `introspection`.
 *
 * @example
 * ```ts
 * const claims = await introspector.introspect(token); // throws InvalidTokenError or IntrospectionUnavailableError
 * ```
 */
export class Introspector extends EventEmitter<IntrospectionEvents> {
  readonly issuer: string;
  readonly #options: ResolvedIntrospection;
  readonly #init: IntrospectorInit;
  readonly #limiter: ConcurrencyLimiter;
  readonly #inFlight = new Map<string, Promise<JwtClaims>>();
  readonly #aborts = new InFlightAborts();
  #endpoint: string | undefined;
  #discovering: Promise<string> | undefined;
  #discoveryFailedAt: number | undefined;
  readonly #stats = { calls: 0, active: 0, refused: 0, failures: 0, cacheHits: 0, cacheMisses: 0, cacheFailures: 0 };

  constructor(issuer: string, options: ResolvedIntrospection, init: IntrospectorInit) {
    super();
    this.issuer = issuer;
    this.#options = options;
    this.#init = init;
    this.#endpoint = options.endpoint;
    this.#limiter = new ConcurrencyLimiter(options.maxConcurrent);
  }

  stats(): IntrospectionStats {
    return { endpoint: this.#endpoint, ...this.#stats, inFlight: this.#limiter.active, peakInFlight: this.#limiter.peak };
  }

  close(): void {
    this.#aborts.abortAll();
  }

  /** The endpoint, discovered first when not configured (`verifier.ready()` calls it ahead of any token). @throws {@link IntrospectionUnavailableError} */
  async resolveEndpoint(): Promise<string> {
    try {
      return this.#endpoint ?? (await this.#discover());
    } catch (error) {
      throw this.#unavailable(error instanceof Unavailable ? error : new Unavailable('discovery_failed', 'discovery failed', undefined, error), undefined);
    }
  }

  /**
   * The checked response members for `token`.
   *
   * @throws `InvalidTokenError` (401) when the token is refused; {@link IntrospectionUnavailableError}
   *   (503) when the endpoint cannot judge it within the timeout.
   */
  async introspect(token: string): Promise<JwtClaims> {
    const deadline = performance.now() + this.#options.timeout;
    const endpoint = this.#endpoint ?? (await this.resolveEndpoint());
    const key = introspectionCacheKey(endpoint, this.#options.clientId, token);
    const pending = this.#inFlight.get(key);
    // Each request gets its own refusal: the verifier stamps the challenge of that request's scheme on it.
    if (pending !== undefined) {
      return pending.catch((error: unknown) => {
        throw error instanceof AuthError ? ownCopy(error) : error;
      });
    }
    const run = this.#lookup(key, endpoint, token, deadline).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, run);
    return run;
  }

  async #lookup(key: string, endpoint: string, token: string, deadline: number): Promise<JwtClaims> {
    const useCache = this.#options.cacheTtlMs > 0;
    const cached = useCache ? await this.#cacheGet(key, deadline) : undefined;
    // A store that answered late (or not at all) does not eat the server's share: the call gets a full timeout.
    if (performance.now() > deadline - this.#options.timeout / 2) deadline = performance.now() + this.#options.timeout;
    if (cached !== undefined && cached !== STORE_FAILED) {
      this.#stats.cacheHits++;
      countIntrospectionCacheHit();
      // Expiry and every other rule are checked again on each hit: the store is not trusted to expire.
      return checkIntrospectionResponse(cached, this.#init.rules, Math.floor(Date.now() / 1000), this.#init.realm);
    }
    this.#stats.cacheMisses++;
    let release: (() => void) | undefined;
    try {
      try {
        release = await this.#limiter.acquire(deadline - performance.now());
      } catch (error) {
        throw new Unavailable('busy', 'too many introspection calls in flight', undefined, error);
      }
      const members = await this.#call(endpoint, token, deadline);
      const nowMs = Date.now();
      let claims: JwtClaims;
      try {
        claims = checkIntrospectionResponse(members, this.#init.rules, Math.floor(nowMs / 1000), this.#init.realm);
      } catch (error) {
        this.#stats.refused++;
        this.#completed(endpoint, deadline, false);
        throw error;
      }
      this.#stats.active++;
      this.#completed(endpoint, deadline, true);
      if (useCache) {
        // Awaited, so that once this instance has answered, every instance sharing the store finds the entry.
        // Not when the store just failed this lookup's get: an outage would then cost each miss two timeouts.
        const stored = this.#cacheSet(key, claims, nowMs);
        if (cached !== STORE_FAILED) await stored;
      }
      return claims;
    } catch (error) {
      if (error instanceof AuthError) throw error;
      throw this.#unavailable(
        error instanceof Unavailable ? error : new Unavailable('invalid_response', 'introspection failed', undefined, error),
        endpoint,
      );
    } finally {
      release?.();
    }
  }

  /** One POST to the endpoint; the members of an answer, or an `InvalidTokenError` for a 400 about the token. */
  async #call(endpoint: string, token: string, deadline: number): Promise<Record<string, unknown>> {
    const remaining = Math.floor(deadline - performance.now());
    if (remaining <= 0) throw new Unavailable('timeout', 'the introspection time budget was spent waiting');
    const { headers, body } = introspectionRequest(this.#options, token);
    this.#stats.calls++;
    let response;
    try {
      response = await this.#aborts.run((signal) =>
        fetchBounded(endpoint, {
          method: 'POST',
          headers,
          body,
          timeout: remaining,
          maxBytes: MAX_RESPONSE_BYTES,
          signal,
          fetch: this.#init.fetch,
          readStatus: (status) => status === 200 || status === 400,
          telemetry: 'introspection',
        }),
      );
    } catch (error) {
      if (error instanceof FetchError) {
        if (error.kind === 'status' && (error.status === 401 || error.status === 403)) {
          // Our own credentials were refused: a configuration fault, never the client's token.
          throw new Unavailable('unauthorized', `the introspection endpoint refused our client credentials (HTTP ${error.status})`, error.status, error);
        }
        const kind: IntrospectionFailureKind =
          error.kind === 'invalid_json' ? 'invalid_response' : error.kind === 'aborted' ? 'closed' : error.kind === 'invalid_url' ? 'network' : error.kind;
        throw new Unavailable(kind, error.message, error.status, error);
      }
      throw new Unavailable('network', 'introspection request failed', undefined, error);
    }
    if (response.status === 400) {
      // Only a well-formed answer about the token refuses it (error-answer.ts); the rest is about our request.
      const about = badRequestSubject(response.text, endpoint);
      if (about === 'client') throw new Unavailable('unauthorized', 'the introspection endpoint refused our client credentials (HTTP 400)', 400);
      if (about.startsWith('request')) throw new Unavailable('status', `the introspection endpoint answered HTTP 400 (${about})`, 400);
      this.#stats.refused++;
      this.#completed(endpoint, deadline, false);
      throw new InvalidTokenError({ reason: 'introspection_refused', description: 'the token was refused', realm: this.#init.realm });
    }
    if (this.#options.jwtResponse) {
      if (response.mediaType !== JWT_RESPONSE_MEDIA_TYPE) {
        // Asked for a signed answer and got a plain one: a downgrade, refused like a bad signature.
        this.#stats.refused++;
        this.#completed(endpoint, deadline, false);
        throw new InvalidTokenError({ reason: 'invalid_signature', description: 'the introspection response could not be verified', realm: this.#init.realm });
      }
      try {
        return await verifyJwtResponse(response.text, this.#init.jwt, Math.floor(Date.now() / 1000));
      } catch (error) {
        if (error instanceof MalformedJwtResponse) throw new Unavailable('invalid_response', error.message, undefined, error);
        if (error instanceof InvalidTokenError) {
          this.#stats.refused++;
          this.#completed(endpoint, deadline, false);
          throw error;
        }
        if (error instanceof AuthError) throw new Unavailable('keys_unavailable', 'the issuer keys are unavailable', undefined, error);
        throw error;
      }
    }
    const members = parseJsonText(response.text, endpoint);
    if (typeof members !== 'object' || members === null || Array.isArray(members)) {
      throw new Unavailable('invalid_response', 'the introspection response is not a JSON object');
    }
    return members as Record<string, unknown>;
  }

  /** The cached members, `undefined` for a miss, or `STORE_FAILED` when the store rejected or timed out. */
  async #cacheGet(key: string, deadline: number): Promise<Record<string, unknown> | undefined | typeof STORE_FAILED> {
    let text: string | undefined;
    try {
      text = await withTimeout(this.#options.cacheStore.get(key), deadline - performance.now(), this.#options.cacheStore);
    } catch (error) {
      this.#cacheFailed('get', error);
      return STORE_FAILED;
    }
    if (typeof text !== 'string') return undefined;
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch (error) {
      this.#cacheFailed('get', error);
      return undefined;
    }
  }

  /** Stores the entry; settles (never rejects) once the store took it, failed, or its timeout passed. */
  #cacheSet(key: string, claims: JwtClaims, nowMs: number): Promise<void> {
    const exp = claims.exp;
    const ttl = Math.min(this.#options.cacheTtlMs, exp === undefined ? Infinity : exp * 1000 - nowMs);
    if (!(ttl >= 1)) return Promise.resolve();
    let setting: Promise<void>;
    try {
      setting = this.#options.cacheStore.set(key, JSON.stringify(claims), Math.floor(ttl));
    } catch (error) {
      this.#cacheFailed('set', error);
      return Promise.resolve();
    }
    return withTimeout(setting, this.#options.timeout, this.#options.cacheStore).then(
      () => undefined,
      (error: unknown) => this.#cacheFailed('set', error),
    );
  }

  #cacheFailed(operation: 'get' | 'set', error: unknown): void {
    this.#stats.cacheFailures++;
    const err = error instanceof Error ? error : new Error('the cache store failed', { cause: error });
    this.#emitSafely('introspection_cache_failed', { issuer: this.issuer, operation, error: err });
  }

  /** `deadline` is the call phase's (reset after a slow cache store), so this is the time since that phase began. */
  #completed(endpoint: string, deadline: number, active: boolean): void {
    if (this.listenerCount('introspection_completed') === 0) return;
    const durationMs = performance.now() - (deadline - this.#options.timeout);
    this.#emitSafely('introspection_completed', { issuer: this.issuer, endpoint, durationMs, active });
  }

  #unavailable(failure: Unavailable, endpoint: string | undefined): IntrospectionUnavailableError {
    this.#stats.failures++;
    this.#emitSafely('introspection_failed', { issuer: this.issuer, endpoint, kind: failure.kind, status: failure.status, error: failure });
    const retryAfter = failure.kind === 'busy' ? 1 : Math.max(1, this.#init.errorCooldown / 1000);
    return new IntrospectionUnavailableError({ retryAfter, cause: failure, realm: this.#init.realm });
  }

  #emitSafely<K extends keyof IntrospectionEvents>(event: K, payload: IntrospectionEvents[K][0]): void {
    try {
      (this.emit as (name: string, value: unknown) => boolean)(event, payload);
    } catch (listenerError) {
      process.emitWarning(listenerError instanceof Error ? listenerError : new Error(`a ${event} listener threw`));
    }
  }

  #discover(): Promise<string> {
    if (this.#discovering !== undefined) return this.#discovering;
    const failedAt = this.#discoveryFailedAt;
    if (failedAt !== undefined && Date.now() - failedAt < this.#init.errorCooldown) {
      return Promise.reject(new Unavailable('discovery_failed', 'introspection endpoint discovery failed recently'));
    }
    const discovering = this.#aborts
      .run((signal) =>
        discoverIntrospectionEndpoint(this.issuer, {
          timeout: this.#options.timeout,
          maxBytes: this.#init.discoveryMaxBytes,
          fetch: this.#init.fetch,
          signal,
        }),
      )
      .then(
        (endpoint) => {
          this.#endpoint = endpoint;
          this.#discoveryFailedAt = undefined;
          return endpoint;
        },
        (error: unknown) => {
          this.#discoveryFailedAt = Date.now();
          const err = error instanceof Error ? error : new Error('discovery failed', { cause: error });
          this.#emitSafely('discovery_failed', { issuer: this.issuer, error: err });
          throw new Unavailable('discovery_failed', err.message, undefined, err);
        },
      )
      .finally(() => {
        this.#discovering = undefined;
      });
    this.#discovering = discovering;
    return discovering;
  }
}
