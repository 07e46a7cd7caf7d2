/**
 * Diagnosis of a wrong issuer: a configured issuer and the one a token or a metadata document names
 * often differ by one spelling slip (Auth0's trailing slash, http vs https, localhost vs 127.0.0.1, a
 * capital letter). The match stays exact (RFC 9068 §4, RFC 8414 §3.3); only the report says which slip.
 */

/** Longest issuer shown in a diagnosis; a longer one is cut and ends in `…`. */
export const MAX_DIAGNOSED_ISSUER_LENGTH = 256;

const LOOPBACK = /^(https?:\/\/)(localhost|127\.0\.0\.1|\[::1\])(?=[:/]|$)/i;

function shown(issuer: string): string {
  return issuer.length <= MAX_DIAGNOSED_ISSUER_LENGTH ? issuer : `${issuer.slice(0, MAX_DIAGNOSED_ISSUER_LENGTH - 1)}…`;
}

/**
 * What alone tells `seen` from `configured`, when they differ only by a trailing slash, the scheme
 * (http/https), `localhost` vs `127.0.0.1` (or `[::1]`), or letter case; else undefined.
 *
 * @example
 * ```ts
 * issuerSlip('https://tenant.auth0.com/', 'https://tenant.auth0.com'); // ['a trailing slash']
 * ```
 */
export function issuerSlip(configured: string, seen: string): string[] | undefined {
  if (configured === seen) return undefined;
  const slips: string[] = [];
  let a = configured;
  let b = seen;
  if (a.endsWith('/') !== b.endsWith('/')) {
    slips.push('a trailing slash');
    if (a.endsWith('/')) a = a.slice(0, -1);
    if (b.endsWith('/')) b = b.slice(0, -1);
  }
  const schemeA = /^https?:\/\//i.exec(a)?.[0].toLowerCase();
  const schemeB = /^https?:\/\//i.exec(b)?.[0].toLowerCase();
  if (schemeA !== undefined && schemeB !== undefined && schemeA !== schemeB) {
    slips.push('the scheme (http vs https)');
    a = a.slice(schemeA.length);
    b = b.slice(schemeB.length);
    a = `${schemeB}${a}`;
    b = `${schemeB}${b}`;
  }
  const hostA = LOOPBACK.exec(a)?.[2]?.toLowerCase();
  const hostB = LOOPBACK.exec(b)?.[2]?.toLowerCase();
  if (hostA !== undefined && hostB !== undefined && hostA !== hostB) {
    slips.push(`the loopback host name (${hostA} vs ${hostB})`);
    a = a.replace(LOOPBACK, '$1loopback');
    b = b.replace(LOOPBACK, '$1loopback');
  }
  if (a !== b && a.toLowerCase() === b.toLowerCase()) {
    slips.push('letter case');
    a = b;
  }
  return a === b && slips.length > 0 ? slips : undefined;
}

/**
 * A sentence naming both spellings when `seen` is a near miss of one of `configured`; else undefined.
 *
 * @example
 * ```ts
 * diagnoseIssuer(['https://tenant.auth0.com/'], 'https://tenant.auth0.com', 'the token');
 * // 'the token names issuer "https://tenant.auth0.com" but "https://tenant.auth0.com/" is configured: they differ only by a trailing slash'
 * ```
 */
export function diagnoseIssuer(configured: readonly string[], seen: unknown, where: string): string | undefined {
  if (typeof seen !== 'string') return undefined;
  for (const issuer of configured) {
    const slips = issuerSlip(issuer, seen);
    if (slips !== undefined) {
      return `${where} names issuer ${JSON.stringify(shown(seen))} but ${JSON.stringify(shown(issuer))} is configured: they differ only by ${slips.join(' and ')}`;
    }
  }
  return undefined;
}
