/** Formatting of the RFC 6750 §3 `WWW-Authenticate: Bearer` challenge. */

export interface ChallengeParams {
  realm?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
  scope?: string | undefined;
  /** RFC 9728 §5.1: where the client finds the protected-resource metadata. */
  resource_metadata?: string | undefined;
}

const ORDER = ['realm', 'error', 'error_description', 'scope', 'resource_metadata'] as const;

/**
 * Escapes a value as an RFC 9110 §5.6.4 quoted-string. Characters a quoted-string cannot carry at all
 * (controls other than HTAB, and anything outside Latin-1) are dropped rather than sent.
 */
export function quoteString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22 || c === 0x5c) out += '\\' + ch;
    else if (c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff)) out += ch;
  }
  return out + '"';
}

/**
 * Builds `Bearer realm="…", error="…", error_description="…", scope="…", resource_metadata="…"`,
 * omitting what is absent.
 * With no parameters it is the bare `Bearer` challenge RFC 6750 §3.1 asks for when no credential
 * was sent.
 */
export function formatChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  for (const key of ORDER) {
    const value = params[key];
    if (value !== undefined) parts.push(`${key}=${quoteString(value)}`);
  }
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}
