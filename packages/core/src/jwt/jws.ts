/**
 * Strict parsing of a compact JWS (RFC 7515 §7.1) carrying a JWT. It decodes, it does not verify:
 * the signature is checked by the verifier with the issuer's key.
 */
import { isCanonicalCompactJws } from '../lib/base64url.js';
import { InvalidTokenError, type RejectReason } from '../errors.js';
import { deepFreeze } from '../token-cache.js';
import type { JwtClaims, JwtHeader } from '../types.js';

export interface ParsedJws {
  readonly header: JwtHeader;
  readonly claims: JwtClaims;
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes the signature covers. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

function reject(reason: RejectReason, description: string, realm: string | undefined, cause?: unknown): never {
  throw new InvalidTokenError({ reason, description, realm, cause });
}

function decodeJsonObject(token: string, start: number, end: number): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token.slice(start, end), 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Headers seen recently, by their exact base64url text. An issuer signs every token with a handful
 * of headers (one per key), so most tokens skip decoding and checking theirs. Only headers that
 * passed the checks are kept; the map is bounded and simply starts over when full.
 */
const headerCache = new Map<string, JwtHeader>();
const HEADER_CACHE_MAX = 256;

function parseHeader(encoded: string, realm: string | undefined): JwtHeader {
  const cached = headerCache.get(encoded);
  if (cached !== undefined) return cached;
  const header = decodeJsonObject(encoded, 0, encoded.length);
  if (header === undefined || typeof header.alg !== 'string') {
    reject('malformed_header', 'the token header is malformed', realm);
  }
  if (header.crit !== undefined) reject('unsupported_crit', 'the token has a critical header parameter that is not supported', realm);
  if (header.b64 !== undefined && header.b64 !== true) reject('unencoded_payload', 'the token payload must be base64url encoded', realm);
  if (header.kid !== undefined && typeof header.kid !== 'string') reject('malformed_header', 'the token header is malformed', realm);
  // Shared by every token with this header, so nobody may change it.
  const frozen = deepFreeze(header) as JwtHeader;
  if (headerCache.size >= HEADER_CACHE_MAX) headerCache.clear();
  headerCache.set(encoded, frozen);
  return frozen;
}

/**
 * Splits and decodes a compact JWS. Refuses anything but three canonical base64url segments, a JSON
 * object header with a string `alg`, a JSON object payload, any `crit` (Portcullis understands no
 * extension, RFC 7515 §4.1.11) and an unencoded payload (`b64: false`, RFC 7797).
 *
 * @example
 * ```ts
 * const { header, claims } = parseJws(token, undefined);
 * ```
 */
export function parseJws(token: string, realm: string | undefined): ParsedJws {
  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot === -1 || token.indexOf('.', secondDot + 1) !== -1 || firstDot === 0 || secondDot === firstDot + 1) {
    reject('malformed_token', 'the token is not a compact JWS', realm);
  }
  if (!isCanonicalCompactJws(token, firstDot, secondDot)) {
    reject('malformed_token', 'the token is not valid base64url', realm);
  }

  const header = parseHeader(token.slice(0, firstDot), realm);

  const claims = decodeJsonObject(token, firstDot + 1, secondDot);
  if (claims === undefined) reject('malformed_payload', 'the token payload is not a JSON object', realm);

  return {
    header,
    // Unchecked here: checkClaims checks the registered claims; user-declared CustomClaims are a promise
    // the user's issuer keeps, which `validate` can check.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed once CustomClaims has required members
    claims: claims as unknown as JwtClaims,
    signingInput: Buffer.from(token.slice(0, secondDot), 'latin1'),
    signature: Buffer.from(token.slice(secondDot + 1), 'base64url'),
  };
}
