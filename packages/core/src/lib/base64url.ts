/** Strict base64url (RFC 4648 §5 without padding, as RFC 7515 §2 requires for JWS). */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Index of each base64url character, -1 for anything else; indexed by char code. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** A compact JWS: three base64url segments, the first two non-empty, nothing else. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * True when the segment `text[start, end)`, already known to hold only base64url characters, is
 * canonical: a length that is not 1 mod 4, and zero unused low bits in its last character.
 */
function hasCanonicalTail(text: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = VALUE[text.charCodeAt(end - 1)]!;
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/**
 * True when `token` is three canonical base64url segments split at `firstDot` and `secondDot`. One
 * compiled regular expression checks the characters; only the last character of each segment is
 * looked at again.
 */
export function isCanonicalCompactJws(token: string, firstDot: number, secondDot: number): boolean {
  return (
    COMPACT_JWS.test(token) &&
    hasCanonicalTail(token, 0, firstDot) &&
    hasCanonicalTail(token, firstDot + 1, secondDot) &&
    hasCanonicalTail(token, secondDot + 1, token.length)
  );
}

/**
 * The number of bytes the base64url segment `text[start, end)` decodes to, or -1 when it cannot be
 * canonical: a length of 1 mod 4, or unused low bits set in its last character (RFC 4648 §3.5). The
 * other characters are not looked at: the caller checks them by decoding (see jwt/jws.ts).
 */
export function canonicalDecodedLength(text: string, start: number, end: number): number {
  const length = end - start;
  const rest = length & 3;
  if (rest === 1) return -1;
  if (rest !== 0) {
    const last = VALUE[text.charCodeAt(end - 1)] ?? -1;
    if (last < 0 || (rest === 2 ? last & 0x0f : last & 0x03) !== 0) return -1;
  }
  return (length >> 2) * 3 + (rest === 0 ? 0 : rest - 1);
}
