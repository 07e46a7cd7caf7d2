/**
 * A user's `keySource` held to the bounds of the JWKS cache: it is code we do not control, so a
 * `load` that never settles, a rejection that is no `KeysUnavailableError`, a synchronous throw or an
 * answer that is no key list must end as the same 503 a failed JWKS fetch gives, never a hang, a 401
 * that blames the token, a 500 or an unhandled rejection.
 */
import { AuthError, KeysUnavailableError } from '../errors/errors.js';
import type { VerificationKey } from './jwk-import.js';
import { unrefTimer } from '../lib/timers.js';

/** The two methods of a key source (the public `KeySource` type of the verifier has this shape). */
export interface KeySourceMethods {
  peek(kid: string | undefined): readonly VerificationKey[] | undefined;
  load(kid: string | undefined): Promise<readonly VerificationKey[]>;
}

/**
 * Payload of the verifier's `keys_unavailable` when an issuer's `keySource` failed (the JWKS cache's
 * own payload carries its `uri` instead). `error` is what the source threw, or the timeout.
 */
export interface KeySourceFailureEvent {
  /** Always undefined: a key source has no JWKS URI. Tells this payload from a `JwksFailureEvent`. */
  uri: undefined;
  /** The configured issuer whose `keySource` failed. */
  issuer: string;
  error: Error;
}

/** Bounds of {@link boundKeySource}. */
export interface KeySourceBounds {
  /** Longest wait for `load`, in ms (the verifier's `jwks.timeout`). */
  timeout: number;
  /** `Retry-After` of the 503, in seconds (the verifier's `jwks.errorCooldown`). */
  retryAfter: number;
  /** Called once per failure that becomes a 503; must not throw. */
  onUnavailable(error: Error): void;
}

/**
 * Wraps a key source so that every failure of it is a {@link KeysUnavailableError} (an `AuthError` it
 * throws itself is passed on as it is) and `load` settles within `timeout`.
 *
 * @example
 * ```ts
 * const keys = boundKeySource(keySource, { timeout: 5_000, retryAfter: 5, onUnavailable: (e) => log.warn(e.message) });
 * const candidates = keys.peek(kid) ?? (await keys.load(kid)); // throws KeysUnavailableError after 5 s at most
 * ```
 */
export function boundKeySource(source: KeySourceMethods, bounds: KeySourceBounds): KeySourceMethods {
  const { timeout, retryAfter } = bounds;
  const onUnavailable = (error: Error): void => bounds.onUnavailable(error);
  const unavailable = (failure: unknown, what: string): AuthError => {
    if (failure instanceof AuthError && !(failure instanceof KeysUnavailableError)) return failure;
    const error = failure instanceof Error ? failure : new Error(`keySource.${what} failed with a non-Error value`, { cause: failure });
    onUnavailable(error);
    return failure instanceof KeysUnavailableError ? failure : new KeysUnavailableError({ retryAfter, cause: error });
  };
  const notKeys = (what: string): TypeError => new TypeError(`keySource.${what} did not give an array of keys`);
  return {
    peek(kid) {
      let keys: readonly VerificationKey[] | undefined;
      try {
        keys = source.peek(kid);
      } catch (error) {
        throw unavailable(error, 'peek');
      }
      if (keys !== undefined && !Array.isArray(keys)) throw unavailable(notKeys('peek'), 'peek');
      return keys;
    },
    load(kid) {
      let pending: Promise<readonly VerificationKey[]>;
      try {
        // Promise.resolve: a load that returns a plain value or a foreign thenable is still bounded.
        pending = Promise.resolve(source.load(kid));
      } catch (error) {
        return Promise.reject(unavailable(error, 'load'));
      }
      return new Promise((resolve, reject) => {
        let settled = false;
        const finish = (failure: unknown, keys?: readonly VerificationKey[]): void => {
          if (settled) return; // a late answer after the timeout is dropped, and reported no second time
          settled = true;
          clearTimeout(timer);
          if (failure === undefined) resolve(keys!);
          else reject(unavailable(failure, 'load'));
        };
        const timer = setTimeout(() => finish(new Error(`keySource.load did not settle within ${timeout} ms`)), timeout);
        // A hung source must not keep the process alive either.
        unrefTimer(timer);
        pending.then(
          (keys) => (Array.isArray(keys) ? finish(undefined, keys) : finish(notKeys('load'))),
          (error: unknown) => finish(error ?? new Error('keySource.load rejected without a reason')),
        );
      });
    },
  };
}
