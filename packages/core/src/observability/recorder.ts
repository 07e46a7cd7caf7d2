/**
 * The one place a refusal is recorded: every 400, 401, 403 and 503 a verifier gives leaves through
 * {@link Recorder.reject}, which stamps its challenge, counts it and emits `token_rejected`. Also where
 * each authentication is handed to OpenTelemetry (observability/otel.ts), when an SDK listens.
 */
import type { EventEmitter } from 'node:events';
import type { ChallengeContext, TokenScheme } from '../errors/challenge.js';
import { AuthError, InvalidTokenError, type RejectReason } from '../errors/errors.js';
import type { ReplayStoreFailedEvent } from '../binding/sender-binding.js';
import { credentialScheme, type CredentialOptions } from '../request/credential.js';
import type { RequestDescriptor } from '../types.js';
import { VerifierTelemetry, noteRefusal, traced, type AcceptedToken, type AuthenticationRecord, type TelemetryOptions } from './otel.js';
import { diagnoseIssuer } from '../routing/issuer-diagnosis.js';
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
  readonly #telemetry: VerifierTelemetry;
  /** The token cache's hit count, read around an authentication to tell a hit. */
  readonly #cacheHits: () => number;
  /** The configured issuers, reported with an `invalid_issuer` refusal. */
  readonly #configuredIssuers: readonly string[];

  constructor(
    events: EventEmitter<VerifierEvents>,
    realm: string | undefined,
    challenges: Readonly<Record<TokenScheme | 'none', ChallengeContext>>,
    configuredIssuers: readonly string[] = [],
    telemetry: TelemetryOptions = { clientId: true },
    cacheHits: () => number = () => 0,
  ) {
    this.#events = events;
    this.#realm = realm;
    this.#challenges = challenges;
    this.#configuredIssuers = Object.freeze([...configuredIssuers]);
    this.#telemetry = new VerifierTelemetry(telemetry);
    this.#cacheHits = cacheHits;
  }

  /** Starts recording one authentication; `undefined` (nothing to do) when no OpenTelemetry SDK listens. */
  begin(): AuthenticationRecord | undefined {
    return this.#telemetry.begin();
  }

  /** Runs an authentication under its record: its span around `run`, then the verdict on span and metrics. */
  observe<T extends AcceptedToken>(
    record: AuthenticationRecord,
    input: string | RequestDescriptor,
    dpop: CredentialOptions['dpop'],
    run: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const scheme = () => (typeof input === 'string' ? 'Bearer' : credentialScheme(input, dpop));
    return traced(record, this.#cacheHits, scheme, run);
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
    // For the authentication span that ends with this refusal.
    noteRefusal(authError, issuer, scheme);
    this.#rejectedByReason[authError.reason] = (this.#rejectedByReason[authError.reason] ?? 0) + 1;
    if (this.#events.listenerCount('token_rejected') > 0) {
      const event: TokenRejectedEvent = { code: authError.code, reason: authError.reason, status: authError.status, issuer };
      if (authError.reason === 'invalid_issuer') {
        event.tokenIssuer = reportedIssuer(tokenIssuer);
        event.configuredIssuers = this.#configuredIssuers;
        // A trailing slash, http vs https, localhost vs 127.0.0.1 or a capital letter: say which.
        const diagnosis = diagnoseIssuer(this.#configuredIssuers, tokenIssuer, 'the token');
        if (diagnosis !== undefined) event.issuerDiagnosis = diagnosis;
      }
      this.emitSafely('token_rejected', event);
    }
    return authError;
  }

  /** A refusal by `checkScopes` (after an accepted authentication): recorded, and its own span. */
  rejectScope(error: unknown, issuer: string | undefined, scheme: TokenScheme | undefined): AuthError {
    const authError = this.reject(error, issuer, scheme);
    this.#telemetry.scopeRefused(authError, issuer);
    return authError;
  }

  /** The replay store failed (the request is answered 503): counted, and emitted when someone listens. */
  replayStoreFailed(event: ReplayStoreFailedEvent): void {
    this.#telemetry.replayStoreFailed();
    if (this.#events.listenerCount('replay_store_failed') > 0) this.emitSafely('replay_store_failed', event);
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
