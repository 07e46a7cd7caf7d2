/**
 * Which path a token takes and which issuer judges it: a JWT (a compact JWS whose header parses) goes
 * to the issuer its `iss` names, verified locally (introspected only with `introspect: 'all'`);
 * anything else, to the one issuer that introspects opaque tokens, if there is one.
 */
import { InvalidTokenError, type RejectReason } from '../errors/errors.js';
import { parseJwsShared, type ParsedJws } from '../jwt/jws.js';
import type { IssuerRuntime, Issuers } from './issuers.js';

/**
 * Failures of `parseJws` that mean "not a JWT at all": such a token may be opaque. A reference token may
 * look like a compact JWS (three base64url segments of random bytes): whatever keeps its header (or
 * payload) from parsing, invalid UTF-8 included, it takes the opaque path.
 */
const NOT_A_JWS = new Set<RejectReason>(['malformed_token', 'malformed_header', 'malformed_payload', 'invalid_utf8']);

/**
 * The parsed JWS, or undefined for an opaque token (only when an issuer takes those; else the parse
 * error is thrown). The JWS holds views of a shared buffer: use them synchronously, or copy them
 * (`ownedJws`) before an await.
 */
export function parseOrOpaque(token: string, issuers: Issuers, realm: string | undefined): ParsedJws | undefined {
  // A token without two dots is no compact JWS; with an opaque issuer, skip the throw of parseJws.
  if (issuers.opaque !== undefined && token.indexOf('.') === -1) return undefined;
  try {
    return parseJwsShared(token, realm);
  } catch (error) {
    if (issuers.opaque === undefined || !(error instanceof InvalidTokenError) || !NOT_A_JWS.has(error.reason)) throw error;
    return undefined;
  }
}

/**
 * The configured issuer a JWS names (exactly, or through an issuer template with its `tid`), or
 * undefined; throws a 401 `invalid_issuer` for a template's token whose tenant is refused.
 */
export function issuerOf(jws: ParsedJws, issuers: Issuers, realm: string | undefined): IssuerRuntime | undefined {
  return issuers.directory.find(jws.claims.iss, jws.claims.tid, realm)?.runtime;
}

/** The refusal of a token whose `iss` is not configured. */
export function unknownIssuer(realm: string | undefined): InvalidTokenError {
  // Chosen from the configured list only: an unknown issuer costs no network request, and a
  // token is never sent to an introspection endpoint of a server that did not issue it.
  return new InvalidTokenError({ reason: 'invalid_issuer', description: 'the token issuer is not accepted', realm });
}

/**
 * Whether the issuer judges its JWTs by introspection alone (`introspect: 'all'`). By default a JWT is
 * verified locally with the issuer's keys, and only what is not a JWT is introspected.
 */
export function introspectsJwts(runtime: IssuerRuntime): boolean {
  return runtime.introspector !== undefined && runtime.introspect === 'all';
}
