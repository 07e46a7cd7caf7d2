/**
 * The 403 of RFC 6750 §3.1 `insufficient_scope`: a valid token that lacks what the route requires
 * (scopes, roles or a claim).
 */
import { AuthError } from './errors.js';

/** How a 403 for roles or claims differs from one for scopes (see {@link InsufficientScopeError}). */
interface InsufficientDetail {
  reason: 'insufficient_role' | 'claim_requirement_failed';
  description: string;
  requiredRoles?: readonly string[] | undefined;
  claim?: string | undefined;
  cause?: unknown;
}

/**
 * 403: the token is valid but lacks what the route requires (RFC 6750 §3.1 `insufficient_scope`):
 * scopes (the challenge's `scope` attribute names them), roles (`reason: 'insufficient_role'`, the
 * description names the missing ones) or a claim (`reason: 'claim_requirement_failed'`, the description
 * names the claim, never its value).
 *
 * @example
 * ```ts
 * if (err instanceof InsufficientScopeError) console.warn('needs', err.requiredScopes, err.requiredRoles, err.claim);
 * ```
 */
export class InsufficientScopeError extends AuthError {
  readonly code = 'insufficient_scope' as const;
  readonly status = 403 as const;
  /** The scopes the route asked for (all of them, or any one of them: see `mode`); empty for roles and claims. */
  readonly requiredScopes: readonly string[];
  /** The roles the route asked for (all of them, or any one of them: see `mode`); empty otherwise. */
  readonly requiredRoles: readonly string[];
  /** The claim (path) whose requirement failed; undefined otherwise, or for a predicate over all claims. */
  readonly claim: string | undefined;
  readonly mode: 'all' | 'any';
  constructor(requiredScopes: readonly string[], mode: 'all' | 'any', realm?: string, detail?: InsufficientDetail) {
    super({
      reason: detail?.reason ?? 'insufficient_scope',
      description: detail?.description ?? (mode === 'all' ? 'the token lacks a required scope' : 'the token has none of the accepted scopes'),
      realm,
      cause: detail?.cause,
    });
    this.requiredScopes = requiredScopes;
    this.requiredRoles = detail?.requiredRoles ?? [];
    this.claim = detail?.claim;
    this.mode = mode;
  }

  /** A 403 for roles: `missing` are named in the description. */
  static missingRoles(required: readonly string[], missing: readonly string[], mode: 'all' | 'any', realm?: string): InsufficientScopeError {
    const description =
      mode === 'all' ? `the token lacks a required role: ${missing.join(', ')}` : `the token has none of the accepted roles: ${missing.join(', ')}`;
    return new InsufficientScopeError([], mode, realm, { reason: 'insufficient_role', description, requiredRoles: required });
  }

  /** A 403 for a claim requirement; `claim` undefined for a predicate over all claims. */
  static failedClaim(claim: string | undefined, realm?: string, cause?: unknown): InsufficientScopeError {
    const description = claim === undefined ? 'the token does not meet the claim requirement of this resource' : `the token's ${claim} claim does not meet the requirement of this resource`;
    return new InsufficientScopeError([], 'all', realm, { reason: 'claim_requirement_failed', description, claim, cause });
  }

  get headers(): Record<string, string> {
    // The `scope` attribute only when scopes are what is missing (RFC 6750 §3).
    return this.challengeHeaders(this.requiredScopes.length > 0 ? this.requiredScopes.join(' ') : undefined);
  }
}
