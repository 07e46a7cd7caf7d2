/**
 * The introspection cache key: a hash of the endpoint, our client id and the token, never the token
 * itself (a cache keyed by the raw token leaks every cached token to whoever reads the store, and one
 * keyed by the token alone lets an answer for one endpoint or client serve another: CVE-2026-33496 in
 * Ory Oathkeeper).
 */
import { createHash } from 'node:crypto';

/**
 * `introspection:` followed by base64url(SHA-256(endpoint, client id, token)), length-prefixed so that
 * no two inputs share a hash input.
 *
 * @example
 * ```ts
 * introspectionCacheKey('https://as.example.com/introspect', 'orders-api', token); // 'introspection:3q2-…'
 * ```
 */
export function introspectionCacheKey(endpoint: string, clientId: string, token: string): string {
  const hash = createHash('sha256');
  for (const part of [endpoint, clientId, token]) hash.update(`${part.length}:`).update(part, 'utf8');
  return `introspection:${hash.digest('base64url')}`;
}
