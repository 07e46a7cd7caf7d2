/**
 * The checks of an introspection response (RFC 7662 §2.2, §4) before its token is accepted: `active`
 * exactly `true`, the time members, the issuer, the audience (RFC 9700 §2.3), and that the token is an
 * access token at all.
 */
import { InvalidTokenError, type RejectReason } from '../errors/errors.js';
import type { JwtClaims } from '../types.js';

/** What a response is checked against. */
export interface IntrospectionRules {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly requireAudience: boolean;
  /** Seconds. */
  readonly clockTolerance: number;
  /** Seconds; when set, `iat` is required and the token may be no older. */
  readonly maxTokenAge: number | undefined;
  readonly requiredClaims: readonly string[];
}

const STRING_MEMBERS = ['iss', 'sub', 'client_id', 'scope', 'username', 'token_type', 'jti', 'token_use'] as const;
const TIME_MEMBERS = ['exp', 'iat', 'nbf'] as const;
/** RFC 6749 §7.1 access-token types a resource server honours: Bearer (RFC 6750), DPoP (RFC 9449 §6.2). */
const ACCESS_TOKEN_TYPES = new Set(['bearer', 'dpop']);
/**
 * Proprietary members that say what kind of token this is: Ory Hydra's `token_use`
 * (`access_token`/`refresh_token`; `access` as AWS Cognito spells it), checked here; Keycloak's `typ`
 * (`Bearer`/`Refresh`/`ID`) is checked against {@link ACCESS_TOKEN_TYPES}.
 */
const ACCESS_TOKEN_USES = new Set(['access_token', 'access']);

/** Seconds from the epoch that a `Date` can hold. */
const MAX_NUMERIC_DATE = 8.64e12;

function reject(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidTokenError({ reason, description, realm });
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_NUMERIC_DATE;
}

/**
 * Checks the members of an introspection response at time `now` (seconds). Returns them as claims;
 * throws `InvalidTokenError` (401) for a token that is inactive, expired, for someone else or of the
 * wrong kind, or a response whose members have the wrong types.
 *
 * @example
 * ```ts
 * const claims = checkIntrospectionResponse(members, rules, Math.floor(Date.now() / 1000), realm);
 * ```
 */
export function checkIntrospectionResponse(
  members: Record<string, unknown>,
  rules: IntrospectionRules,
  now: number,
  realm: string | undefined,
): JwtClaims {
  // Exactly the boolean: "true" (a string) or 1 is a broken server, and a broken answer is no yes.
  if (members.active !== true) {
    if (members.active === false) reject('token_inactive', 'the token is not active', realm);
    reject('invalid_claim', 'the introspection response is malformed', realm);
  }
  for (const name of STRING_MEMBERS) {
    const value = members[name];
    if (value !== undefined && typeof value !== 'string') reject('invalid_claim', `the ${name} member is malformed`, realm);
  }
  for (const name of TIME_MEMBERS) {
    const value = members[name];
    if (value !== undefined && !isNumericDate(value)) reject('invalid_claim', `the ${name} member is malformed`, realm);
  }
  const cnf = members.cnf;
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))) reject('invalid_claim', 'the cnf member is malformed', realm);

  const tolerance = rules.clockTolerance;
  const exp = members.exp as number | undefined;
  if (exp !== undefined && exp <= now - tolerance) reject('expired', 'the token has expired', realm);
  const nbf = members.nbf as number | undefined;
  if (nbf !== undefined && nbf > now + tolerance) reject('not_yet_valid', 'the token is not valid yet', realm);
  const iat = members.iat as number | undefined;
  if (iat !== undefined && iat > now + tolerance) reject('issued_in_future', 'the token was issued in the future', realm);
  if (rules.maxTokenAge !== undefined) {
    if (iat === undefined) reject('missing_claim', 'the token has no issued-at time', realm);
    if (now - iat > rules.maxTokenAge + tolerance) reject('too_old', 'the token is too old', realm);
  }

  if (members.iss !== undefined && members.iss !== rules.issuer) reject('invalid_issuer', 'the token issuer is not accepted', realm);

  const aud = members.aud;
  if (typeof aud === 'string') {
    if (!rules.audiences.includes(aud)) reject('invalid_audience', 'the token audience is not accepted', realm);
  } else if (Array.isArray(aud)) {
    if (!aud.every((entry) => typeof entry === 'string')) reject('invalid_claim', 'the aud member is malformed', realm);
    if (!aud.some((entry: string) => rules.audiences.includes(entry))) reject('invalid_audience', 'the token audience is not accepted', realm);
  } else if (aud === undefined) {
    // RFC 7662 leaves aud optional; without it a refresh token or another API's token would pass.
    if (rules.requireAudience) reject('invalid_audience', 'the token has no audience', realm);
  } else {
    reject('invalid_claim', 'the aud member is malformed', realm);
  }

  const tokenType = members.token_type as string | undefined;
  if (tokenType !== undefined && !ACCESS_TOKEN_TYPES.has(tokenType.toLowerCase())) reject('invalid_type', 'the token is not an access token', realm);
  if (tokenType?.toLowerCase() === 'dpop' && typeof (cnf as Record<string, unknown> | undefined)?.jkt !== 'string') {
    // RFC 9449 §6.2: a DPoP-bound token names its key; without it the binding cannot be checked.
    reject('invalid_claim', 'the DPoP token has no key binding', realm);
  }
  const tokenUse = members.token_use as string | undefined;
  if (tokenUse !== undefined && !ACCESS_TOKEN_USES.has(tokenUse)) reject('invalid_type', 'the token is not an access token', realm);
  const typ = members.typ;
  if (typ !== undefined && (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))) reject('invalid_type', 'the token is not an access token', realm);

  const scp = members.scp;
  if (scp !== undefined && typeof scp !== 'string' && !(Array.isArray(scp) && scp.every((s) => typeof s === 'string'))) {
    reject('invalid_claim', 'the scp member is malformed', realm);
  }
  for (const name of rules.requiredClaims) {
    if (!Object.hasOwn(members, name) || members[name] === undefined) reject('missing_claim', `the token has no ${name} claim`, realm);
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed once CustomClaims has required members
  return members as JwtClaims;
}
