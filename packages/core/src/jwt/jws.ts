/**
 * Strict parsing of a compact JWS (RFC 7515 §7.1) carrying a JWT. It decodes, it does not verify:
 * the signature is checked by the verifier with the issuer's key.
 */
import { isUtf8 } from 'node:buffer';
import { canonicalDecodedLength } from '../lib/base64url.js';
import { InvalidTokenError, type RejectReason } from '../errors/errors.js';
import { deepFreeze } from '../cache/token-cache.js';
import { normalizeMediaType } from './claims.js';
import type { JwtClaims, JwtHeader } from '../types.js';

export interface ParsedJws {
  readonly header: JwtHeader;
  readonly claims: JwtClaims;
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes the signature covers. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

function reject(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidTokenError({ reason, description, realm });
}

/**
 * One buffer for every parse: the token's bytes (the signing input is a view of them), then the
 * decoded signature, payload and header. Parsing is synchronous, so one buffer serves
 * the whole process; {@link parseJwsShared}'s views are valid until the next parse, and
 * {@link parseJws} copies them out. Grows (never shrinks) for a token longer than any before.
 */
let scratch = Buffer.allocUnsafeSlow(4096);

function scratchFor(tokenLength: number): Buffer {
  // Token bytes (+4: see the UTF-8 check), then at most 3/4 of the token again for decoded segments.
  const needed = tokenLength * 2 + 8;
  if (scratch.length < needed) scratch = Buffer.allocUnsafeSlow(Math.max(needed, scratch.length * 2));
  return scratch;
}

/**
 * Decodes `token[start, end)` (canonical base64url, RFC 7515 §2) into `buffer` at `offset`; returns
 * the end offset, or -1 when the segment is not canonical base64url. Node's decoder skips characters
 * outside its alphabet and stops at `=`, so a segment with any of them decodes to fewer bytes than
 * its length promises: that is the character check, done by the decoding itself. The caller has
 * already refused non-ASCII text (which Node would read by its low byte) and `+` and `/` (which it
 * would read as base64).
 */
function decodeSegment(token: string, start: number, end: number, buffer: Buffer, offset: number): number {
  const expected = canonicalDecodedLength(token, start, end);
  if (expected < 0) return -1;
  if (expected === 0) return offset;
  const written = buffer.write(token.slice(start, end), offset, expected + 1, 'base64url');
  return written === expected ? offset + written : -1;
}

/**
 * The JSON object a decoded segment holds, or `'utf8'` when its bytes are not UTF-8 (RFC 7515 §5.2,
 * RFC 7519 §7.2, RFC 8725 §3.7: invalid sequences, overlongs and surrogates are refused, never read as
 * U+FFFD), or undefined when it is not a JSON object.
 */
function parseJsonObject(buffer: Buffer, start: number, end: number): Record<string, unknown> | 'utf8' | undefined {
  const text = buffer.toString('utf8', start, end);
  // Node reads a bad sequence as U+FFFD. Only when one appears (a rare genuine U+FFFD included) are
  // the bytes checked, so the usual token pays for one search of its text.
  if (text.includes('\uFFFD') && !isUtf8(buffer.subarray(start, end))) return 'utf8';
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
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

function parseHeader(token: string, end: number, buffer: Buffer, offset: number, realm: string | undefined): JwtHeader {
  const encoded = token.slice(0, end);
  const cached = headerCache.get(encoded);
  if (cached !== undefined) return cached;
  const decodedEnd = decodeSegment(token, 0, end, buffer, offset);
  if (decodedEnd < 0) reject('malformed_token', 'the token is not valid base64url', realm);
  const header = parseJsonObject(buffer, offset, decodedEnd);
  if (header === 'utf8') reject('invalid_utf8', 'the token header is not valid UTF-8', realm);
  if (header === undefined || typeof header.alg !== 'string') {
    reject('malformed_header', 'the token header is malformed', realm);
  }
  if (header.crit !== undefined) reject('unsupported_crit', 'the token has a critical header parameter that is not supported', realm);
  if (header.b64 !== undefined && header.b64 !== true) reject('unencoded_payload', 'the token payload must be base64url encoded', realm);
  if (header.kid !== undefined && typeof header.kid !== 'string') reject('malformed_header', 'the token header is malformed', realm);
  // RFC 7519 §5.2 and §7.2 step 8: `cty: "JWT"` says the payload is another JWT, which is not a claims
  // set; Portcullis does not process nested JWTs, so it refuses them rather than read the wrong thing.
  if (typeof header.cty === 'string' && normalizeMediaType(header.cty) === 'jwt') {
    reject('nested_jwt', 'nested JWTs are not accepted', realm);
  }
  // Shared by every token with this header, so nobody may change it.
  const frozen = deepFreeze(header) as JwtHeader;
  if (headerCache.size >= HEADER_CACHE_MAX) headerCache.clear();
  headerCache.set(encoded, frozen);
  return frozen;
}

/**
 * Like {@link parseJws}, but `signingInput` and `signature` are views of a buffer that the next parse
 * reuses: use them before anything else can parse (before any `await`), or copy them.
 */
export function parseJwsShared(token: string, realm: string | undefined): ParsedJws {
  const length = token.length;
  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot === -1 || token.indexOf('.', secondDot + 1) !== -1 || firstDot === 0 || secondDot === firstDot + 1) {
    reject('malformed_token', 'the token is not a compact JWS', realm);
  }
  const buffer = scratchFor(length);
  // ASCII only: any other character takes more than one UTF-8 byte, and the buffer has room for at
  // least 4 more, so the write comes out longer than the token. These bytes are the signing input.
  if (buffer.write(token, 0, length + 4, 'utf8') !== length || token.indexOf('+') !== -1 || token.indexOf('/') !== -1) {
    reject('malformed_token', 'the token is not valid base64url', realm);
  }

  // Every segment's characters are checked (by decoding) before the header's JSON is read, so a
  // token that is not base64url is refused as such whatever its header says.
  const signatureStart = length;
  const signatureEnd = decodeSegment(token, secondDot + 1, length, buffer, signatureStart);
  const payloadEnd = signatureEnd < 0 ? -1 : decodeSegment(token, firstDot + 1, secondDot, buffer, signatureEnd);
  if (payloadEnd < 0) reject('malformed_token', 'the token is not valid base64url', realm);

  const header = parseHeader(token, firstDot, buffer, payloadEnd, realm);

  const claims = parseJsonObject(buffer, signatureEnd, payloadEnd);
  if (claims === 'utf8') reject('invalid_utf8', 'the token payload is not valid UTF-8', realm);
  if (claims === undefined) reject('malformed_payload', 'the token payload is not a JSON object', realm);

  return {
    header,
    // Unchecked here: checkClaims checks the registered claims; user-declared CustomClaims are a promise
    // the user's issuer keeps, which `validate` can check.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed once CustomClaims has required members
    claims: claims as unknown as JwtClaims,
    signingInput: buffer.subarray(0, secondDot),
    signature: buffer.subarray(signatureStart, signatureEnd),
  };
}

/** The parse with `signingInput` and `signature` in buffers of its own, safe to hold across an `await`. */
export function ownedJws(jws: ParsedJws): ParsedJws {
  return { header: jws.header, claims: jws.claims, signingInput: Buffer.from(jws.signingInput), signature: Buffer.from(jws.signature) };
}

/**
 * Splits and decodes a compact JWS. Refuses anything but three canonical base64url segments, a JSON
 * object header with a string `alg`, a JSON object payload, header and payload that are not UTF-8,
 * any `crit` (Portcullis understands no extension, RFC 7515 §4.1.11), an unencoded payload
 * (`b64: false`, RFC 7797) and a nested JWT (`cty: "JWT"`, RFC 7519 §5.2).
 *
 * @example
 * ```ts
 * const { header, claims } = parseJws(token, undefined);
 * ```
 */
export function parseJws(token: string, realm: string | undefined): ParsedJws {
  return ownedJws(parseJwsShared(token, realm));
}
