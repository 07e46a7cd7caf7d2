/**
 * RFC 9701 signed introspection responses: a JWT of type `token-introspection+jwt`, signed with the
 * issuer's keys, addressed to our client id, carrying the RFC 7662 members in `token_introspection`.
 */
import type { KeyObject } from 'node:crypto';
import { InvalidTokenError, type RejectReason } from '../errors/errors.js';
import { algorithmSpec } from '../jwt/algorithms.js';
import { normalizeMediaType } from '../jwt/claims.js';
import { parseJws } from '../jwt/jws.js';
import { someKeyVerifies, verifyHmac } from '../jwt/signature.js';
import type { KeySource } from '../keys/key-source.js';

/** What a signed response is checked with. */
export interface JwtResponseContext {
  readonly issuer: string;
  readonly clientId: string;
  readonly algorithms: ReadonlySet<string>;
  readonly keys: KeySource | undefined;
  readonly secret: KeyObject | undefined;
  /** Seconds. */
  readonly clockTolerance: number;
  readonly realm: string | undefined;
}

/** Thrown for a body that is not a JWS at all: the server is broken, the token was not judged. */
export class MalformedJwtResponse extends Error {}

function refuse(reason: RejectReason, realm: string | undefined): never {
  // One description for every failure: the client learns only that the answer could not be trusted.
  throw new InvalidTokenError({ reason, description: 'the introspection response could not be verified', realm });
}

/**
 * Verifies a signed introspection response and returns its `token_introspection` members.
 *
 * @throws `InvalidTokenError` (401) for a bad signature, type, issuer, audience or time;
 *   {@link MalformedJwtResponse} for a body that is no JWS; `KeysUnavailableError` when keys cannot be had.
 * @example
 * ```ts
 * const members = await verifyJwtResponse(text, context, Math.floor(Date.now() / 1000));
 * ```
 */
export async function verifyJwtResponse(text: string, context: JwtResponseContext, now: number): Promise<Record<string, unknown>> {
  const { realm } = context;
  let jws;
  try {
    jws = parseJws(text.trim(), realm);
  } catch (error) {
    throw new MalformedJwtResponse('the signed introspection response is not a JWS', { cause: error });
  }
  const { header, claims } = jws;
  // RFC 9701 §5: explicit typing keeps another JWT of this issuer (an access token) from passing as an answer.
  if (typeof header.typ !== 'string' || normalizeMediaType(header.typ) !== 'token-introspection+jwt') refuse('invalid_type', realm);
  const alg = header.alg;
  const spec = context.algorithms.has(alg) ? algorithmSpec(alg) : undefined;
  if (spec === undefined) refuse('algorithm_not_allowed', realm);
  let verified = false;
  if (spec.kty === 'oct') {
    verified = context.secret !== undefined && verifyHmac(spec, context.secret, jws.signingInput, jws.signature);
  } else if (context.keys !== undefined) {
    const keys = context.keys.peek(header.kid) ?? (await context.keys.load(header.kid));
    verified = await someKeyVerifies(keys, alg, spec, jws.signingInput, jws.signature);
  }
  if (!verified) refuse('invalid_signature', realm);
  if (claims.iss !== context.issuer) refuse('invalid_issuer', realm);
  const aud: unknown = claims.aud;
  const audOk = aud === context.clientId || (Array.isArray(aud) && aud.includes(context.clientId));
  if (!audOk) refuse('invalid_audience', realm);
  const iat: unknown = claims.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) refuse('missing_claim', realm);
  if (iat > now + context.clockTolerance) refuse('issued_in_future', realm);
  const members: unknown = claims['token_introspection'];
  if (typeof members !== 'object' || members === null || Array.isArray(members)) refuse('invalid_claim', realm);
  return members as Record<string, unknown>;
}
