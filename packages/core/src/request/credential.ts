/**
 * Taking the access token out of a request, as RFC 6750 §2 describes: the `Authorization` header
 * (§2.1), and only when turned on, the form body (§2.2) or the query (§2.3). With DPoP on, also the
 * `DPoP` scheme of RFC 9449 §7.1 with its one `DPoP` proof header (§4.1).
 */
import type { TokenScheme } from '../errors/challenge.js';
import { CredentialsRequiredError, InvalidDpopProofError, InvalidRequestError, InvalidTokenError, type RejectReason } from '../errors/errors.js';
import type { RequestDescriptor } from '../types.js';

export interface CredentialOptions {
  readonly allowQueryToken: boolean;
  readonly allowFormBodyToken: boolean;
  readonly realm: string | undefined;
  /** Whether `Authorization: DPoP` is a credential. Default `'disabled'`: it counts as another scheme. */
  readonly dpop?: 'allowed' | 'required' | 'disabled' | undefined;
}

/** A credential found in a request: the token, how it was presented, and for DPoP the proof. */
export interface Credential {
  readonly token: string;
  /** `DPoP` only for `Authorization: DPoP`; a query or body token is a bearer token. */
  readonly scheme: TokenScheme;
  /** The one `DPoP` header (RFC 9449 §4.1) of a DPoP-scheme request. */
  readonly proof: string | undefined;
}

// credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
// RFC 9449 §7.1: the same token68 grammar under the DPoP scheme, matched case-insensitively.
const DPOP = /^dpop +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^[^ \t]*/;

function badRequest(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidRequestError({ reason, description, realm });
}

function headerCount(rawHeaders: readonly string[], lowerName: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) count++;
  }
  return count;
}

/** The scheme the client used in `Authorization`, for the challenge of a refusal (RFC 9449 §7.2). */
export function credentialScheme(request: RequestDescriptor, dpop: CredentialOptions['dpop']): TokenScheme | undefined {
  // Called on the refusal path too, where the request may be anything a caller passed.
  let value = (request as Partial<RequestDescriptor> | null | undefined)?.headers?.authorization;
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string' || value === '') return undefined;
  const scheme = SCHEME.exec(value)![0].toLowerCase();
  if (scheme === 'bearer') return 'Bearer';
  if (scheme === 'dpop' && dpop !== undefined && dpop !== 'disabled') return 'DPoP';
  return undefined;
}

function dpopRefusal(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidDpopProofError({ reason, description, realm });
}

/**
 * The proof of a DPoP-scheme request: exactly one `DPoP` header (RFC 9449 §4.3 check 1). Two are a 401
 * `invalid_dpop_proof`, not a 400: §4.3 lists the count among the proof's own checks, and §7.1 answers a
 * failed check with `invalid_dpop_proof`, which a DPoP client knows to act on.
 */
function proofOf(request: RequestDescriptor, realm: string | undefined): string {
  let value = request.headers.dpop;
  if (Array.isArray(value)) {
    if (value.length > 1) dpopRefusal('dpop_proof_multiple', 'more than one DPoP header', realm);
    value = value[0];
  }
  // Node folds repeated unknown headers into one value joined by ', ', which a JWS never contains.
  if ((request.rawHeaders !== undefined && headerCount(request.rawHeaders, 'dpop') > 1) || (value?.includes(',') ?? false)) {
    dpopRefusal('dpop_proof_multiple', 'more than one DPoP header', realm);
  }
  if (value === undefined || value === '') dpopRefusal('dpop_proof_missing', 'the DPoP proof is missing', realm);
  return value;
}

/** The token of the `Authorization` header; undefined when absent or another scheme. */
function fromHeader(request: RequestDescriptor, realm: string | undefined, dpop: CredentialOptions['dpop'] = 'disabled'): Credential | undefined {
  let value = request.headers.authorization;
  if (Array.isArray(value)) {
    if (value.length > 1) badRequest('multiple_credentials', 'more than one Authorization header', realm);
    value = value[0];
  }
  if (request.rawHeaders !== undefined && headerCount(request.rawHeaders, 'authorization') > 1) {
    badRequest('multiple_credentials', 'more than one Authorization header', realm);
  }
  if (value === undefined || value === '') return undefined;
  const match = BEARER.exec(value);
  if (match !== null) return { token: match[1]!, scheme: 'Bearer', proof: undefined };
  // Another scheme (`Basic …`) is no bearer credential at all: a bare 401 challenge follows.
  const scheme = SCHEME.exec(value)![0].toLowerCase();
  if (scheme === 'dpop' && dpop !== 'disabled') {
    const dpopMatch = DPOP.exec(value);
    if (dpopMatch === null) badRequest('malformed_authorization', 'the Authorization header is not a valid DPoP credential', realm);
    // The proof is read once the token's location is settled (readCredential), so that a token in
    // two places is the same 400 whatever the scheme.
    return { token: dpopMatch[1]!, scheme: 'DPoP', proof: undefined };
  }
  if (scheme !== 'bearer') return undefined;
  return badRequest('malformed_authorization', 'the Authorization header is not a valid Bearer credential', realm);
}

function fromQuery(request: RequestDescriptor, options: CredentialOptions): string | undefined {
  const query = request.url.indexOf('?');
  if (query === -1) return undefined;
  // Parsed only when the name can be there, spelled out or percent-encoded (`access%5Ftoken`).
  const url = request.url;
  if (!url.includes('access_token', query) && !url.includes('%', query)) return undefined;
  const values = new URLSearchParams(url.slice(query + 1)).getAll('access_token');
  if (values.length === 0) return undefined;
  if (!options.allowQueryToken) {
    badRequest('unsupported_credential_location', 'access tokens are not accepted in the query string', options.realm);
  }
  if (values.length > 1) badRequest('multiple_credentials', 'more than one access token', options.realm);
  return values[0];
}

function fromBody(request: RequestDescriptor, options: CredentialOptions): string | undefined {
  const body = request.body;
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'access_token')) return undefined;
  if (!options.allowFormBodyToken) {
    badRequest('unsupported_credential_location', 'access tokens are not accepted in the request body', options.realm);
  }
  const contentType = request.headers['content-type'];
  const isForm = typeof contentType === 'string' && contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');
  if (!isForm || request.method === 'GET') {
    badRequest('unsupported_credential_location', 'a body token needs a form-encoded request that is not GET', options.realm);
  }
  const value: unknown = (body as Record<string, unknown>).access_token;
  if (typeof value !== 'string') badRequest('multiple_credentials', 'more than one access token', options.realm);
  return value;
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The bearer token of a request, or undefined when it carries none. Throws
 * {@link InvalidRequestError} (400) for a malformed `Bearer` header, two `Authorization` headers, a
 * token in two places, or a token where the options do not allow one.
 *
 * @example
 * ```ts
 * const token = extractCredential(
 *   { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders },
 *   { allowQueryToken: false, allowFormBodyToken: false, realm: undefined },
 * );
 * ```
 */
export function extractCredential(request: RequestDescriptor, options: CredentialOptions): string | undefined {
  return readCredential(request, options)?.token;
}

/**
 * Like {@link extractCredential}, with how the token was presented: the scheme, and for
 * `Authorization: DPoP` (when `options.dpop` allows it) the one `DPoP` proof header. Throws
 * {@link InvalidDpopProofError} when a DPoP-scheme request has no proof or more than one.
 *
 * @example
 * ```ts
 * const credential = readCredential(descriptor, { allowQueryToken: false, allowFormBodyToken: false, realm: undefined, dpop: 'allowed' });
 * if (credential?.scheme === 'DPoP') console.log('proof present');
 * ```
 */
export function readCredential(request: RequestDescriptor, options: CredentialOptions): Credential | undefined {
  // RFC 9112 §3.2: a request with more than one Host line is answered 400. Node keeps the first one only.
  if (Array.isArray(request.headers.host) || (request.rawHeaders !== undefined && headerCount(request.rawHeaders, 'host') > 1)) {
    badRequest('multiple_host', 'more than one Host header', options.realm);
  }
  const header = fromHeader(request, options.realm, options.dpop);
  const query = fromQuery(request, options);
  const body = fromBody(request, options);
  const found = (header !== undefined ? 1 : 0) + (query !== undefined ? 1 : 0) + (body !== undefined ? 1 : 0);
  if (found > 1) badRequest('multiple_credentials', 'the token was sent in more than one place', options.realm);
  if (header !== undefined) return header.scheme === 'DPoP' ? { ...header, proof: proofOf(request, options.realm) } : header;
  const token = query ?? body;
  if (token === undefined) return undefined;
  if (!B64TOKEN.test(token)) badRequest('malformed_authorization', 'the access token parameter is malformed', options.realm);
  return { token, scheme: 'Bearer', proof: undefined };
}

/**
 * Stage 1 of a request: its credential, or undefined when it has none and `optional` allows that.
 * Throws `CredentialsRequiredError` (none, not optional), `dpop_required` (a Bearer credential where
 * DPoP is required), or what {@link readCredential} throws.
 */
export function requestCredential(request: RequestDescriptor, options: CredentialOptions, optional: boolean): Credential | undefined {
  const credential = readCredential(request, options);
  if (credential === undefined) {
    if (optional) return undefined;
    throw new CredentialsRequiredError(options.realm);
  }
  if (credential.scheme === 'Bearer' && options.dpop === 'required') {
    throw new InvalidTokenError({ reason: 'dpop_required', description: 'this resource requires a DPoP-bound token', realm: options.realm });
  }
  return credential;
}
