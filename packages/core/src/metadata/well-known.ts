/**
 * Where a protected resource's metadata lives (RFC 9728 §3.1): `/.well-known/oauth-protected-resource`
 * inserted between the resource identifier's host and its path.
 */

/** The well-known path suffix RFC 9728 §3 registers. */
export const RESOURCE_METADATA_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The metadata URL of a resource identifier: its origin, the well-known path, then its path and query.
 * A path of just `/` is dropped (§3.1: the terminating slash after the host is removed before the
 * insertion); any other path is kept exactly, a trailing slash included, because the client builds the
 * same URL from the same identifier and discards metadata found elsewhere (§3, §3.3).
 *
 * @example
 * ```ts
 * resourceMetadataUrl('https://mcp.example.com/mcp'); // 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
 * resourceMetadataUrl('https://api.example.com');     // 'https://api.example.com/.well-known/oauth-protected-resource'
 * ```
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${RESOURCE_METADATA_WELL_KNOWN}${path}${url.search}`;
}
