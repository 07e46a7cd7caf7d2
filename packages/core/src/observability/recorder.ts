/**
 * The one place a refusal is recorded: every 400, 401, 403 and 503 a verifier gives leaves through
 * {@link Recorder.reject}, which stamps its challenge, counts it and emits `token_rejected`.
 */
import type { EventEmitter } from 'node:events';
import type { ChallengeContext, TokenScheme } from '../errors/challenge.js';
import { AuthError, InvalidTokenError, type RejectReason } from '../errors/errors.js';
import { reportedIssuer, type TokenRejectedEvent, type VerifierEvents, type VerifierStats } from './events.js';

/** Events a listener of which must not break a request. */
type GuardedEvent = 'token_rejected' | 'replay_store_failed' | 'keys_unavailable';

/** Counts verdicts and reports refusals for one verifier. */
export class Recorder {
  verified = 0;
  #rejected = 0;
  readonly #rejectedByReason: Partial<Record<RejectReason, number>> = {};
  readonly #events: EventEmitter<VerifierEvents>;
  readonly #realm: string | undefined;
  /** Challenge contexts by the scheme the client used ('none' for no credential). */
  readonly #challenges: Readonly<Record<TokenScheme | 'none', ChallengeContext>>;

  constructor(events: EventEmitter<VerifierEvents>, realm: string | undefined, challenges: Readonly<Record<TokenScheme | 'none', ChallengeContext>>) {
    this.#events = events;
    this.#realm = realm;
    this.#challenges = challenges;
  }

  /** Records a refusal and returns it as the {@link AuthError} to throw (anything else becomes `malformed_token`). */
  reject(error: unknown, issuer: string | undefined, scheme: TokenScheme | undefined, tokenIssuer?: unknown): AuthError {
    const authError =
      error instanceof AuthError
        ? error
        : new InvalidTokenError({ reason: 'malformed_token', description: 'the token could not be verified', realm: this.#realm, cause: error });
    // Stamped once, by the verifier that knows the schemes it accepts and its metadata URL; every refusal
    // (400, 401, 403) leaves through here. An error from `validate` keeps its own.
    authError.challenge ??= this.#challenges[scheme ?? 'none'];
    this.#rejected++;
    this.#rejectedByReason[authError.reason] = (this.#rejectedByReason[authError.reason] ?? 0) + 1;
    if (this.#events.listenerCount('token_rejected') > 0) {
      const event: TokenRejectedEvent = { code: authError.code, reason: authError.reason, status: authError.status, issuer };
      if (authError.reason === 'invalid_issuer') event.tokenIssuer = reportedIssuer(tokenIssuer);
      this.emitSafely('token_rejected', event);
    }
    return authError;
  }

  /** A throwing listener must not turn a refusal into a 500 (or a synchronous throw): it becomes a process warning. */
  emitSafely<K extends GuardedEvent>(event: K, payload: VerifierEvents[K][0]): void {
    try {
      (this.#events.emit as (name: string, value: unknown) => boolean)(event, payload);
    } catch (listenerError) {
      process.emitWarning(listenerError instanceof Error ? listenerError : new Error(`a ${event} listener threw`));
    }
  }

  counts(): Pick<VerifierStats, 'verified' | 'rejected' | 'rejectedByReason'> {
    return { verified: this.verified, rejected: this.#rejected, rejectedByReason: { ...this.#rejectedByReason } };
  }
}
