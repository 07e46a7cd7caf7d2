/**
 * Taking the bearer token out of a request, as RFC 6750 §2 describes: the `Authorization` header
 * (§2.1), and only when turned on, the form body (§2.2) or the query (§2.3).
 */
import { CredentialsRequiredError, InvalidRequestError, type RejectReason } from '../errors.js';
import type { RequestDescriptor } from '../types.js';

export interface CredentialOptions {
  readonly allowQueryToken: boolean;
  readonly allowFormBodyToken: boolean;
  readonly realm: string | undefined;
}

// credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^[^ \t]*/;

function badRequest(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidRequestError({ reason, description, realm });
}

function authorizationHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

/** The bearer token of the `Authorization` header; undefined when absent or another scheme. */
function fromHeader(request: RequestDescriptor, realm: string | undefined): string | undefined {
  let value = request.headers.authorization;
  if (Array.isArray(value)) {
    if (value.length > 1) badRequest('multiple_credentials', 'more than one Authorization header', realm);
    value = value[0];
  }
  if (request.rawHeaders !== undefined && authorizationHeaderCount(request.rawHeaders) > 1) {
    badRequest('multiple_credentials', 'more than one Authorization header', realm);
  }
  if (value === undefined || value === '') return undefined;
  const match = BEARER.exec(value);
  if (match !== null) return match[1];
  // Another scheme (`Basic …`) is no bearer credential at all: a bare 401 challenge follows.
  const scheme = SCHEME.exec(value)![0];
  if (scheme.toLowerCase() !== 'bearer') return undefined;
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
  const header = fromHeader(request, options.realm);
  const query = fromQuery(request, options);
  const body = fromBody(request, options);
  const found = (header !== undefined ? 1 : 0) + (query !== undefined ? 1 : 0) + (body !== undefined ? 1 : 0);
  if (found > 1) badRequest('multiple_credentials', 'the token was sent in more than one place', options.realm);
  const token = header ?? query ?? body;
  if (token !== undefined && token !== header && !B64TOKEN.test(token)) {
    badRequest('malformed_authorization', 'the access token parameter is malformed', options.realm);
  }
  return token;
}

/** Like {@link extractCredential}, but a missing credential is a {@link CredentialsRequiredError}. */
export function requireCredential(request: RequestDescriptor, options: CredentialOptions): string {
  const token = extractCredential(request, options);
  if (token === undefined) throw new CredentialsRequiredError(options.realm);
  return token;
}
