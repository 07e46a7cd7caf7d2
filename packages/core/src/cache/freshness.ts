/** Whether a token-cache hit may still be answered from the cache. */
import type { KeySource } from '../keys/key-source.js';
import type { CachedToken } from './token-cache.js';

/**
 * A cache hit is good only while its time claims still hold and the key that verified it is still
 * published; otherwise the caller evicts it and the token takes the full path (which gives the reason).
 */
export function stillValid(entry: CachedToken, clockTolerance: number, maxTokenAge: number | undefined, keys: KeySource | undefined): boolean {
  const now = Math.floor(Date.now() / 1000);
  let valid =
    entry.exp > now - clockTolerance &&
    (entry.nbf === undefined || entry.nbf <= now + clockTolerance) &&
    (maxTokenAge === undefined || now - entry.iat! <= maxTokenAge + clockTolerance);
  if (valid && entry.key !== undefined) {
    const published = keys?.peek(entry.kid);
    valid = published !== undefined && published.includes(entry.key);
  }
  return valid;
}
