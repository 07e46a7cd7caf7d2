/**
 * The URL a DPoP proof's `htu` must match (RFC 9449 §4.3 check 9): the request's URI without query and
 * fragment, both sides normalised as RFC 3986 §6.2.2 (case, percent-encoding, dot segments) and §6.2.3
 * (default port, empty path) describe.
 *
 * Where the URL comes from matters more than how it is compared: `Host` and `X-Forwarded-*` are whatever
 * the client sent. They are believed only as far as the user says: `publicUrl` (the API's external
 * origin, fixed) wins; `trustProxy` believes `X-Forwarded-Proto`/`X-Forwarded-Host`; otherwise the
 * socket's own scheme and the `Host` header. Every host is held to the RFC 3986 authority grammar first,
 * so that a `Host: api.example.com/admin?` cannot move the path of the URL being built (the hole
 * express-oauth2-jwt-bearer closed in 1.9.1: a proof made for one endpoint passed at another).
 */
import type { RequestDescriptor } from '../types.js';

/** How the request URL is reconstructed; resolved once from the `dpop` options. */
export interface HtuSource {
  /** `scheme://host[:port]` plus an optional path prefix (no trailing slash), from `dpop.publicUrl`. */
  readonly publicBase: string | undefined;
  readonly trustProxy: boolean;
}

// host [":" port] with a reg-name of unreserved characters, or an IP-literal; no userinfo, path, query,
// fragment, backslash or whitespace can hide in it.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::[0-9]{1,5})?$/;
const UNRESERVED = /[A-Za-z0-9._~-]/;

function firstValue(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const comma = raw.indexOf(',');
  return (comma === -1 ? raw : raw.slice(0, comma)).trim();
}

/** RFC 3986 §6.2.2.1–6.2.2.2: upper-case percent-encodings, and decode those of unreserved characters. */
function normalizePercentEncoding(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * An absolute http(s) URI in the form compared with `htu`: scheme and host lower-cased, default port
 * dropped, dot segments removed, an empty path made `/`, percent-encodings normalised, and query and
 * fragment cut off. Undefined when it is not an absolute http(s) URI or carries userinfo.
 *
 * @example
 * ```ts
 * normalizeHtu('HTTPS://API.Example.com:443/a/./b?x=1'); // 'https://api.example.com/a/b'
 * ```
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined;
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}

/** The request target as RFC 9112 §3.2 reads it: a path, and for the absolute form its scheme and authority. */
interface Target {
  readonly path: string;
  readonly scheme?: string | undefined;
  readonly authority?: string | undefined;
}

// absolute-form (RFC 9112 §3.2.2) of an http(s) URI: scheme "://" authority path-abempty, query cut off later.
const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]*)([^?#]*)/i;

/**
 * Whether a path holds a dot segment, raw or percent-encoded (`.`, `..`, `%2e`, `%2E%2e`, `.%2E`), or a
 * backslash (which WHATWG `URL` reads as `/`). The `htu` comparison would remove them and a router would
 * not: the URL checked would not be the URL served, so such a target matches no proof.
 */
export function hasDotSegment(path: string): boolean {
  if (path.includes('\\')) return true;
  if (!path.includes('.') && !/%2e/i.test(path)) return false;
  for (const segment of path.replace(/%2e/gi, '.').split('/')) if (segment === '.' || segment === '..') return true;
  return false;
}

/**
 * The request target without its query: origin-form (`/orders`) or absolute-form (`http://api.example/orders`,
 * which RFC 9112 §3.2.2 says a server MUST accept). Undefined for any other form, and for a path with
 * dot segments.
 */
function requestTarget(url: string): Target | undefined {
  let target: Target;
  if (url.startsWith('/')) {
    const end = url.search(/[?#]/);
    target = { path: end === -1 ? url : url.slice(0, end) };
  } else {
    const match = ABSOLUTE_FORM.exec(url);
    if (match === null) return undefined;
    target = { scheme: match[1]!.toLowerCase(), authority: match[2]!, path: match[3] === '' ? '/' : match[3]! };
  }
  return hasDotSegment(target.path) ? undefined : target;
}

/**
 * The normalised URI of this request for the `htu` comparison, or undefined when it cannot be known
 * safely (a malformed `Host` or `X-Forwarded-Host`, an unknown forwarded scheme, a target in neither
 * origin nor absolute form, a path with dot segments): such a request's proof matches no URI.
 *
 * @example
 * ```ts
 * requestHtu({ method: 'GET', url: '/orders?x=1', headers: { host: 'api.example.com' } }, { publicBase: undefined, trustProxy: false });
 * // 'http://api.example.com/orders'
 * ```
 */
export function requestHtu(request: RequestDescriptor, source: HtuSource): string | undefined {
  const target = requestTarget(request.url);
  if (target === undefined) return undefined;
  if (source.publicBase !== undefined) return normalizeHtu(source.publicBase + target.path);
  let scheme = request.encrypted === true ? 'https' : 'http';
  // RFC 9112 §3.2.2: with an absolute-form target, the server ignores Host and uses the target's authority.
  let host = target.authority ?? firstValue(request.headers.host);
  if (source.trustProxy) {
    const forwardedProto = firstValue(request.headers['x-forwarded-proto']);
    if (forwardedProto !== undefined) {
      const lower = forwardedProto.toLowerCase();
      if (lower !== 'http' && lower !== 'https') return undefined;
      scheme = lower;
    }
    const forwardedHost = request.headers['x-forwarded-host'];
    if (forwardedHost !== undefined) host = firstValue(forwardedHost);
  }
  // An absolute-form target naming another scheme than the connection's is no URI of this server.
  if (target.scheme !== undefined && target.scheme !== scheme) return undefined;
  if (host === undefined || !AUTHORITY.test(host)) return undefined;
  return normalizeHtu(`${scheme}://${host}${target.path}`);
}

/**
 * `dpop.publicUrl` as the base URL requests are reconstructed on: an absolute http(s) URL without
 * userinfo, query or fragment; its path, if any, is a prefix the proxy strips.
 */
export function publicBase(value: unknown, option: string): string {
  const fail = (message: string): never => {
    throw new TypeError(`Portcullis: option "${option}" ${message}`);
  };
  if (typeof value !== 'string') return fail('must be the API\'s external URL, e.g. "https://api.example.com"');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`must be an absolute URL (got ${JSON.stringify(value)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('must be an http(s) URL');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    fail('must have no userinfo, query or fragment');
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${prefix}`;
}
