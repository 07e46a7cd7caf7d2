/**
 * The request descriptor from a Fetch-standard `Request` (Next.js route handlers, Hono, Bun.serve,
 * Deno.serve, Cloudflare Workers): the counterpart of `describeRequest` for Node's `IncomingMessage`.
 * Nothing here touches a Node-only API: it runs wherever `Request` and `URL` do.
 */
import type { RequestDescriptor } from '../types.js';

/**
 * Fetch folds repeated header lines into one value joined by `", "` (Fetch §5.2 "combine"), so two
 * `Authorization` lines arrive as `Bearer a, Bearer b`. A credential never holds a comma, so a value with
 * two non-empty parts around `", "` is read as two lines: a 400 `multiple_credentials`, as Node's
 * `rawHeaders` would show it. A trailing comma (`Bearer a,`) stays one malformed credential.
 */
function headerLines(value: string): string | string[] {
  if (!value.includes(', ')) return value;
  const parts = value.split(', ');
  return parts.filter((part) => part.trim() !== '').length > 1 ? parts : value;
}

/**
 * The descriptor core reads, from a Fetch `Request`. The URL a DPoP proof's `htu` is compared with
 * comes from `request.url` (its scheme and host), unless the verifier's `dpop.publicUrl` or
 * `dpop.trustProxy` say otherwise, as for Node. A Fetch request has no TLS socket: a certificate-bound
 * token (RFC 8705) is checked through `mtls.certificateHeader`, the certificate a TLS-terminating proxy
 * forwards, only. `body` is the parsed form body, for `allowFormBodyToken` (a `Request` body is a stream
 * the handler reads; it is never read here).
 *
 * @example
 * ```ts
 * const auth = await verifier.authenticate(describeFetchRequest(request));
 * ```
 */
export function describeFetchRequest(request: Request, body?: unknown): RequestDescriptor {
  if (typeof request !== 'object' || request === null || typeof request.url !== 'string' || typeof request.headers?.forEach !== 'function') {
    throw new TypeError('Portcullis: describeFetchRequest() needs a Fetch Request');
  }
  const url = new URL(request.url);
  const headers: Record<string, string | string[]> = {};
  // Header names from `Headers` are already lower-cased, as in Node's `IncomingMessage.headers`.
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const authorization = headers.authorization;
  if (typeof authorization === 'string') headers.authorization = headerLines(authorization);
  // The URL the runtime was asked for is the request's own: its host, not a header that may differ.
  // Two Host lines (folded by Fetch into `a, b`; a host never holds a comma) stay two, for the 400 of
  // RFC 9112 §3.2 that core answers them with, as from Node.
  const host = headers.host;
  headers.host = typeof host === 'string' && host.includes(',') ? host.split(',').map((part) => part.trim()) : url.host;
  const descriptor: RequestDescriptor = {
    method: request.method,
    url: url.pathname + url.search,
    headers,
    body,
  };
  if (url.protocol === 'https:') descriptor.encrypted = true;
  return descriptor;
}
