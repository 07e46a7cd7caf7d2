/** Formatting of the `WWW-Authenticate` challenges: RFC 6750 §3 `Bearer` and RFC 9449 §7.1 `DPoP`. */
import { ASYMMETRIC_ALGORITHMS } from '../jwt/algorithms.js';

export interface ChallengeParams {
  realm?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
  scope?: string | undefined;
  /** DPoP only (RFC 9449 §7.1): the proof algorithms the resource server accepts, space-separated. */
  algs?: string | undefined;
  /** RFC 9728 §5.1: where the client finds the protected-resource metadata. */
  resource_metadata?: string | undefined;
}

const ORDER = ['realm', 'error', 'error_description', 'scope', 'algs', 'resource_metadata'] as const;

/** The authentication schemes of an access token (RFC 6750, RFC 9449 §7.1). */
export type TokenScheme = 'Bearer' | 'DPoP';

/**
 * How a verifier wants its refusals challenged, stamped on each {@link AuthError} it raises: the scheme
 * the client used (a refusal answers in it, RFC 9449 §7.2), the schemes offered when the request carried
 * no credential, and the DPoP algorithms to advertise. An error without one answers as plain `Bearer`.
 */
export interface ChallengeContext {
  /** The scheme of the refused credential; undefined when there was none. */
  readonly scheme: TokenScheme | undefined;
  /** Schemes listed, in order, by a bare challenge. */
  readonly offered: readonly TokenScheme[];
  /** The `algs` value of DPoP challenges. */
  readonly dpopAlgs: string;
  /** RFC 9728 §5.1 `resource_metadata`: the URL of the protected-resource metadata, when configured. */
  readonly resourceMetadata?: string | undefined;
}

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
 * What a verifier with default options stamps, and what an error made by hand answers with: `Bearer`
 * refusals, and both schemes offered when there is no credential (DPoP's default mode is `'allowed'`).
 */
export const DEFAULT_CHALLENGE_CONTEXT: ChallengeContext = Object.freeze({
  scheme: undefined,
  offered: Object.freeze(['Bearer', 'DPoP'] as const),
  // The default of `dpop.algorithms` (binding/dpop-options.ts).
  dpopAlgs: ASYMMETRIC_ALGORITHMS.join(' '),
});

/**
 * Builds `Bearer realm="…", error="…", error_description="…", scope="…", resource_metadata="…"`,
 * omitting what is absent.
 * With no parameters it is the bare `Bearer` challenge RFC 6750 §3.1 asks for when no credential
 * was sent.
 */
export function formatChallenge(params: ChallengeParams, scheme: TokenScheme = 'Bearer'): string {
  const parts: string[] = [];
  for (const key of ORDER) {
    const value = params[key];
    if (value !== undefined) parts.push(`${key}=${quoteString(value)}`);
  }
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}

/**
 * The `WWW-Authenticate` value for an error under a {@link ChallengeContext}: with an error code, one
 * challenge in the scheme the client used; without one (no credential), one challenge per offered
 * scheme, comma-joined as RFC 9110 §11.6.1 allows. DPoP challenges always carry `algs`.
 *
 * @example
 * ```ts
 * formatChallenges({ realm: 'api' }, { scheme: undefined, offered: ['Bearer', 'DPoP'], dpopAlgs: 'ES256' });
 * // 'Bearer realm="api", DPoP realm="api", algs="ES256"'
 * ```
 */
export function formatChallenges(params: ChallengeParams, context: ChallengeContext = DEFAULT_CHALLENGE_CONTEXT): string {
  // RFC 9728 §5.1: every challenge, the bare one included, names the metadata when there is one.
  const withMetadata = context.resourceMetadata === undefined ? params : { ...params, resource_metadata: context.resourceMetadata };
  const one = (scheme: TokenScheme): string =>
    formatChallenge(scheme === 'DPoP' ? { ...withMetadata, algs: context.dpopAlgs } : withMetadata, scheme);
  if (params.error !== undefined) return one(context.scheme ?? context.offered[0] ?? 'Bearer');
  return context.offered.map(one).join(', ');
}
