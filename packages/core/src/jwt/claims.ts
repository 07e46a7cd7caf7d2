/**
 * The claim rules of a JWT access token: RFC 7519 §4.1, RFC 9068 §2.2 and §4, RFC 8725 §3.11 (`typ`).
 */
import { InvalidTokenError, type RejectReason } from '../errors/errors.js';
import type { JwtClaims, JwtHeader } from '../types.js';
import type { AudienceClaim } from '../routing/issuer-options.js';
import { checkAudienceClaim, checkRequiredClaimValues } from './audience.js';

export interface ClaimRules {
  /** Accepted audiences; the token's `aud` must contain one of them. */
  readonly audiences: readonly string[];
  /** Seconds of leeway for `exp`, `nbf` and `iat`. */
  readonly clockTolerance: number;
  /** Seconds; when set, `iat` is required and the token may be no older. */
  readonly maxTokenAge: number | undefined;
  /** When set, the normalized `typ` the token must have (strict mode); otherwise the lenient set. */
  readonly tokenType: string | undefined;
  readonly requiredClaims: readonly string[];
  /** Checked instead of `aud` when set (an audience stand-in, e.g. Cognito's `client_id`). */
  readonly audienceClaim?: Readonly<AudienceClaim> | undefined;
  /** Claims that must have exactly these values (Cognito's `token_use: 'access'`). */
  readonly requiredClaimValues?: readonly (readonly [string, string | number | boolean])[] | undefined;
}

/** RFC 9068 §2.2: the claims an `at+jwt` must carry. */
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;
const STRING_CLAIMS = ['sub', 'client_id', 'jti'] as const;
const NUMERIC_DATE_CLAIMS = ['nbf', 'iat'] as const;

function reject(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidTokenError({ reason, description, realm });
}

/**
 * `typ` compared as RFC 7515 §4.1.9 says: case-insensitively, with an omitted `application/` prefix.
 */
export function normalizeMediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

/** Checks the header's `typ`. Lenient mode takes `at+jwt`, `jwt` or none; strict mode exactly one. */
export function checkTokenType(header: JwtHeader, expected: string | undefined, realm: string | undefined): void {
  const typ = header.typ;
  if (typ === undefined) {
    if (expected === undefined) return;
    reject('invalid_type', 'the token type is not accepted', realm);
  }
  if (typeof typ !== 'string') reject('invalid_type', 'the token type is not accepted', realm);
  const normalized = normalizeMediaType(typ);
  if (expected === undefined ? normalized !== 'at+jwt' && normalized !== 'jwt' : normalized !== expected) {
    reject('invalid_type', 'the token type is not accepted', realm);
  }
}

/** Seconds from the epoch that a `Date` can hold (±8.64e15 ms). */
const MAX_NUMERIC_DATE = 8.64e12;

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_NUMERIC_DATE;
}

/** Present as the token's own member: `constructor` or `toString` are not claims every token has. */
function hasClaim(claims: JwtClaims, name: string): boolean {
  return Object.hasOwn(claims, name) && claims[name] !== undefined;
}

/**
 * Checks the registered claims against the rules at time `now` (seconds since the epoch). The issuer
 * has already been matched when the key was chosen; its type is checked here again all the same.
 */
export function checkClaims(claims: JwtClaims, rules: ClaimRules, now: number, realm: string | undefined): void {
  if (typeof claims.iss !== 'string') reject('invalid_issuer', 'the token issuer is not accepted', realm);

  const aud: unknown = claims.aud;
  if (rules.audienceClaim !== undefined) {
    checkAudienceClaim(claims, rules.audienceClaim, realm);
    if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
      reject('invalid_claim', 'the aud claim is malformed', realm);
    }
  } else if (typeof aud === 'string') {
    if (!rules.audiences.includes(aud)) reject('invalid_audience', 'the token audience is not accepted', realm);
  } else if (Array.isArray(aud)) {
    let found = false;
    for (const entry of aud) {
      if (typeof entry !== 'string') reject('invalid_claim', 'the aud claim is malformed', realm);
      if (!found && rules.audiences.includes(entry)) found = true;
    }
    if (!found) reject('invalid_audience', 'the token audience is not accepted', realm);
  } else if (aud === undefined) {
    reject('invalid_audience', 'the token has no audience', realm);
  } else {
    reject('invalid_claim', 'the aud claim is malformed', realm);
  }

  const exp: unknown = claims.exp;
  if (exp === undefined) reject('missing_claim', 'the token has no expiry', realm);
  if (!isNumericDate(exp)) reject('invalid_claim', 'the exp claim is malformed', realm);
  if (exp <= now - rules.clockTolerance) reject('expired', 'the token has expired', realm);

  for (const name of NUMERIC_DATE_CLAIMS) {
    const value: unknown = claims[name];
    if (value !== undefined && !isNumericDate(value)) reject('invalid_claim', `the ${name} claim is malformed`, realm);
  }
  if (claims.nbf !== undefined && claims.nbf > now + rules.clockTolerance) {
    reject('not_yet_valid', 'the token is not valid yet', realm);
  }
  if (claims.iat !== undefined && claims.iat > now + rules.clockTolerance) {
    reject('issued_in_future', 'the token was issued in the future', realm);
  }
  if (rules.maxTokenAge !== undefined) {
    if (claims.iat === undefined) reject('missing_claim', 'the token has no issued-at time', realm);
    if (now - claims.iat > rules.maxTokenAge + rules.clockTolerance) reject('too_old', 'the token is too old', realm);
  }

  for (const name of STRING_CLAIMS) {
    const value: unknown = claims[name];
    if (value !== undefined && typeof value !== 'string') reject('invalid_claim', `the ${name} claim is malformed`, realm);
  }
  // RFC 9068 §2.2.3: a space-delimited string. Duende and PingFederate send a JSON array of strings,
  // read as the list it means, except in strict RFC 9068 mode.
  const scope: unknown = claims.scope;
  if (scope !== undefined && typeof scope !== 'string' && (rules.tokenType === 'at+jwt' || !isStringArray(scope))) {
    reject('invalid_claim', 'the scope claim is malformed', realm);
  }
  const scp: unknown = claims.scp;
  if (scp !== undefined && typeof scp !== 'string' && !(Array.isArray(scp) && scp.every((s) => typeof s === 'string'))) {
    reject('invalid_claim', 'the scp claim is malformed', realm);
  }

  if (rules.tokenType === 'at+jwt') {
    for (const name of RFC9068_CLAIMS) {
      if (!hasClaim(claims, name)) reject('missing_claim', `the token has no ${name} claim`, realm);
    }
  }
  for (const name of rules.requiredClaims) {
    if (!hasClaim(claims, name)) reject('missing_claim', `the token has no ${name} claim`, realm);
  }
  if (rules.requiredClaimValues !== undefined) checkRequiredClaimValues(claims, rules.requiredClaimValues, realm);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}
