/**
 * The error classes Portcullis raises. Every one carries what a framework needs to answer the request
 * the way RFC 6750 §3 says: `status`, `code`, a short fixed `description`, the `headers` (with the
 * `WWW-Authenticate` challenge) and `expose`. None of them ever holds the token or key material.
 */
import { formatChallenges, type ChallengeContext } from './challenge.js';

/** The stable codes of {@link AuthError}; `switch (err.code)` narrows to the subclass. */
export type AuthErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'credentials_required'
  | 'insufficient_scope'
  | 'keys_unavailable'
  | 'introspection_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'replay_store_unavailable';

/**
 * Why a request was refused, finer than {@link AuthErrorCode}. Stable: safe to count in metrics and to
 * log (it never includes the token).
 */
export type RejectReason =
  // the request
  | 'credentials_missing'
  | 'malformed_authorization'
  | 'multiple_credentials'
  | 'unsupported_credential_location'
  | 'multiple_host'
  // the JWS
  | 'token_too_large'
  | 'malformed_token'
  | 'malformed_header'
  | 'malformed_payload'
  | 'invalid_utf8'
  | 'nested_jwt'
  | 'unsupported_crit'
  | 'unencoded_payload'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'key_mismatch'
  | 'invalid_signature'
  // the claims
  | 'invalid_type'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'missing_claim'
  | 'invalid_claim'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'custom_validation_failed'
  // introspection (RFC 7662)
  | 'token_inactive'
  | 'introspection_refused'
  | 'introspection_unavailable'
  // the DPoP proof (RFC 9449 §4.3): each check its own reason
  | 'dpop_proof_missing'
  | 'dpop_proof_multiple'
  | 'dpop_proof_malformed'
  | 'dpop_invalid_typ'
  | 'dpop_algorithm_not_allowed'
  | 'dpop_invalid_jwk'
  | 'dpop_private_jwk'
  | 'dpop_invalid_signature'
  | 'dpop_htm_mismatch'
  | 'dpop_htu_mismatch'
  | 'dpop_iat_invalid'
  | 'dpop_jti_invalid'
  | 'dpop_replayed'
  | 'dpop_ath_mismatch'
  | 'dpop_nonce_required'
  | 'dpop_nonce_invalid'
  // the binding of the token to its sender (RFC 9449 §7.1, RFC 8705 §3)
  | 'dpop_key_mismatch'
  | 'dpop_token_unbound'
  | 'dpop_bound_token_as_bearer'
  | 'dpop_required'
  | 'certificate_missing'
  | 'certificate_mismatch'
  | 'certificate_header_invalid'
  | 'binding_unverifiable'
  | 'binding_conflict'
  // after verification
  | 'insufficient_scope'
  | 'insufficient_role'
  | 'claim_requirement_failed'
  | 'keys_unavailable'
  | 'replay_store_unavailable';

/** The JSON body adapters answer with. */
export interface ErrorBody {
  error: string;
  error_description: string;
}

interface AuthErrorInit {
  reason: RejectReason;
  description: string;
  realm?: string | undefined;
  cause?: unknown;
}

/**
 * Base class of every error Portcullis raises on purpose. Catch it to render your own answer.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof AuthError) res.status(err.status).set(err.headers).json(err.toJSON());
 *   else throw err;
 * }
 * ```
 */
export abstract class AuthError extends Error {
  abstract readonly code: AuthErrorCode;
  abstract readonly status: 400 | 401 | 403 | 503;
  /** A short fixed sentence, safe to send to the client. */
  readonly description: string;
  /** Finer cause of the refusal, for logs and metrics. */
  readonly reason: RejectReason;
  /** The configured realm, if any, echoed in the challenge. */
  readonly realm: string | undefined;
  /** Koa and `http-errors` read this: the message may be shown to the client. */
  readonly expose = true;
  /**
   * Stamped by the verifier that raised the error: the scheme to answer in and the schemes to offer
   * (see {@link ChallengeContext}). Undefined for an error made by hand, which answers like a default verifier's.
   */
  challenge: ChallengeContext | undefined;

  constructor(init: AuthErrorInit) {
    super(init.description, init.cause === undefined ? undefined : { cause: init.cause });
    this.description = init.description;
    this.reason = init.reason;
    this.realm = init.realm;
    this.challenge = undefined;
  }

  /** The protected-resource metadata URL the challenge names (RFC 9728 §5.1), when configured. */
  get resourceMetadata(): string | undefined {
    return this.challenge?.resourceMetadata;
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** The HTTP status, for frameworks that read `statusCode`. */
  get statusCode(): number {
    return this.status;
  }

  /**
   * Response headers: the `WWW-Authenticate` challenge (or `Retry-After` for a 503), and
   * `Cache-Control: no-store`, so that frameworks that render `err.headers` send them all.
   */
  abstract get headers(): Record<string, string>;

  /** The RFC 6750 challenge with this error's code and description, plus `Cache-Control: no-store`. */
  protected challengeHeaders(scope?: string): Record<string, string> {
    return {
      'WWW-Authenticate': formatChallenges(
        { realm: this.realm, error: this.code, error_description: this.description, scope },
        this.challenge,
      ),
      'Cache-Control': 'no-store',
    };
  }

  /** The response body: `{ error, error_description }`. */
  toJSON(): ErrorBody {
    return { error: this.code, error_description: this.description };
  }
}

/**
 * 400: the request is malformed (RFC 6750 §3.1 `invalid_request`): a `Bearer` scheme without a valid
 * token, two `Authorization` headers, or a token in more than one place.
 *
 * @example
 * ```ts
 * if (err instanceof InvalidRequestError) console.warn('bad request', err.reason);
 * ```
 */
export class InvalidRequestError extends AuthError {
  readonly code = 'invalid_request' as const;
  readonly status = 400 as const;
  get headers(): Record<string, string> {
    return this.challengeHeaders();
  }
}

/**
 * 401: the token itself is unacceptable (RFC 6750 §3.1 `invalid_token`): its signature, algorithm,
 * key, issuer, audience, lifetime, type or shape.
 *
 * @example
 * ```ts
 * if (err instanceof InvalidTokenError && err.reason === 'expired') metrics.expired.inc();
 * ```
 */
export class InvalidTokenError extends AuthError {
  readonly code = 'invalid_token' as const;
  readonly status = 401 as const;
  get headers(): Record<string, string> {
    return this.challengeHeaders();
  }
}

/**
 * 401 without an error code: the request carries no credential at all (or only another scheme such
 * as `Basic`). RFC 6750 §3.1 says such a challenge should not include an error code.
 *
 * @example
 * ```ts
 * if (err instanceof CredentialsRequiredError) res.redirect('/login');
 * ```
 */
export class CredentialsRequiredError extends AuthError {
  readonly code = 'credentials_required' as const;
  readonly status = 401 as const;
  constructor(realm?: string) {
    super({ reason: 'credentials_missing', description: 'authentication required', realm });
  }
  get headers(): Record<string, string> {
    // RFC 6750 §3.1: no error code here; RFC 9728 §5.1 adds resource_metadata all the same (see formatChallenges).
    return { 'WWW-Authenticate': formatChallenges({ realm: this.realm }, this.challenge), 'Cache-Control': 'no-store' };
  }
}

/** What a 503 is made from besides its reason and description. */
interface UnavailableInit {
  retryAfter: number;
  cause?: unknown;
  realm?: string | undefined;
}

/**
 * Base of the 503 answers: something Portcullis needs to judge the credential (keys, introspection, the
 * replay store) cannot be had, so the credential was not judged: `Retry-After`, and no challenge.
 *
 * @example
 * ```ts
 * if (err instanceof ServiceUnavailableError) metrics.unavailable.inc({ code: err.code });
 * ```
 */
export abstract class ServiceUnavailableError extends AuthError {
  readonly status = 503 as const;
  /** Seconds the client should wait before retrying. */
  readonly retryAfter: number;
  protected constructor(reason: RejectReason, description: string, init: UnavailableInit) {
    super({ reason, description, realm: init.realm, cause: init.cause });
    this.retryAfter = Math.max(1, Math.ceil(init.retryAfter));
  }
  get headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfter), 'Cache-Control': 'no-store' };
  }
}

/**
 * 503: the issuer's signing keys could not be obtained and no usable cached key exists. The answer
 * carries `Retry-After` and no challenge: the client's credential was not judged.
 *
 * @example
 * ```ts
 * verifier.on('keys_unavailable', (e) => log.error(e, 'JWKS unreachable'));
 * ```
 */
export class KeysUnavailableError extends ServiceUnavailableError {
  readonly code = 'keys_unavailable' as const;
  constructor(init: UnavailableInit) {
    super('keys_unavailable', 'the signing keys are temporarily unavailable', init);
  }
}

/**
 * 503: the authorization server's introspection endpoint (RFC 7662) could not judge the token: it was
 * unreachable, too slow, answered 5xx, something that is not an introspection response, or refused our
 * own client credentials. The token is not at fault, so there is no challenge; `Retry-After` is set.
 *
 * @example
 * ```ts
 * verifier.on('introspection_failed', (e) => log.error({ issuer: e.issuer, kind: e.kind }, 'introspection down'));
 * ```
 */
export class IntrospectionUnavailableError extends ServiceUnavailableError {
  readonly code = 'introspection_unavailable' as const;
  constructor(init: UnavailableInit) {
    super('introspection_unavailable', 'the token cannot be checked at the moment', init);
  }
}

/**
 * 401: the DPoP proof of the request fails a check of RFC 9449 §4.3 (missing, malformed, `typ`, `alg`,
 * `jwk`, signature, `htm`, `htu`, `iat`, `jti` replay, `ath`). Answered in the DPoP scheme (§7.1).
 *
 * @example
 * ```ts
 * if (err instanceof InvalidDpopProofError) metrics.dpop.inc({ reason: err.reason });
 * ```
 */
export class InvalidDpopProofError extends AuthError {
  readonly code = 'invalid_dpop_proof' as const;
  readonly status = 401 as const;
  get headers(): Record<string, string> {
    return this.challengeHeaders();
  }
}

/**
 * 401 `use_dpop_nonce` (RFC 9449 §8): the proof lacks the server's nonce, or carries a stale one. The
 * answer's `DPoP-Nonce` header holds the nonce to use.
 *
 * @example
 * ```ts
 * if (err instanceof UseDpopNonceError) console.log('retry with', err.nonce);
 * ```
 */
export class UseDpopNonceError extends AuthError {
  readonly code = 'use_dpop_nonce' as const;
  readonly status = 401 as const;
  /** The nonce the client must put in its next proof. */
  readonly nonce: string;
  constructor(init: { reason: 'dpop_nonce_required' | 'dpop_nonce_invalid'; nonce: string; realm?: string | undefined }) {
    super({ reason: init.reason, description: 'the DPoP proof must carry the nonce the server provided', realm: init.realm });
    this.nonce = init.nonce;
  }
  get headers(): Record<string, string> {
    return { ...this.challengeHeaders(), 'DPoP-Nonce': this.nonce };
  }
}

/**
 * 503: the DPoP replay store could not answer in time and `dpop.replayStoreFailure` is `'reject'`
 * (the default). Carries `Retry-After` and no challenge: the credential was not judged.
 *
 * @example
 * ```ts
 * verifier.on('replay_store_failed', (e) => log.error({ kind: e.kind }, 'replay store down'));
 * ```
 */
export class ReplayStoreUnavailableError extends ServiceUnavailableError {
  readonly code = 'replay_store_unavailable' as const;
  constructor(init: UnavailableInit) {
    super('replay_store_unavailable', 'the DPoP replay store is temporarily unavailable', init);
  }
}

/** Narrows an unknown value to an {@link AuthError}. */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}
