/** Strict base64url (RFC 4648 §5 without padding, as RFC 7515 §2 requires for JWS). */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Index of each base64url character, -1 for anything else; indexed by char code. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * True when `text[start, end)` is canonical base64url: only the 64 characters, no padding, a length
 * that is not 1 mod 4, and zero bits in the unused low bits of the last character, so that exactly
 * one spelling decodes to given bytes (a re-spelled signature is refused).
 */
export function isCanonicalBase64url(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length % 4 === 1) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || VALUE[c] === -1) return false;
  }
  if (length === 0) return true;
  const last = VALUE[text.charCodeAt(end - 1)]!;
  const rest = length % 4;
  if (rest === 2) return (last & 0x0f) === 0;
  if (rest === 3) return (last & 0x03) === 0;
  return true;
}
