/**
 * What an adapter on Fetch-standard `Request`/`Response` needs from core (the `@portcullis/web` and
 * `@portcullis/hono` packages, or an app on Bun.serve, Deno.serve or a Worker that composes its own):
 * the answer to an {@link AuthError} and to the RFC 9728 metadata path as a `Response`, and the headers
 * of an accepted answer (`DPoP-Nonce`) set on the handler's `Response`. The counterparts of
 * `writeErrorResponse`, `writeMetadataResponse` and `setResponseHeaders` for Node's response, so that
 * both kinds of adapter send the same status, headers and bytes. No Node-only API in here.
 */
import { ERROR_CONTENT_TYPE, errorResponse } from './adapter-support.js';
import type { AuthError } from './errors/errors.js';
import type { MetadataResponse } from './metadata/resource-metadata.js';

/**
 * The answer to an {@link AuthError} as a Fetch `Response`: the status, the RFC 6750 challenge (or
 * `Retry-After`), `Cache-Control: no-store`, and the `{ error, error_description }` JSON body, the same
 * as Node adapters write with `writeErrorResponse`.
 *
 * @example
 * ```ts
 * try {
 *   auth = await verifier.authenticate(describeFetchRequest(request));
 * } catch (error) {
 *   if (isAuthError(error)) return authErrorResponse(error);
 *   throw error;
 * }
 * ```
 */
export function authErrorResponse(error: AuthError): Response {
  const { status, headers, body } = errorResponse(error);
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set('Content-Type', ERROR_CONTENT_TYPE);
  return response;
}

/**
 * An RFC 9728 metadata answer (from `verifier.resourceMetadata.serve(...)`) as a Fetch `Response`. A
 * HEAD answer has no body and keeps the document's `Content-Length`; a 204 has neither.
 *
 * @example
 * ```ts
 * const { pathname, search } = new URL(request.url);
 * const answer = verifier.resourceMetadata?.serve({ method: request.method, url: pathname + search });
 * if (answer !== undefined) return metadataAnswerResponse(answer, request.method);
 * ```
 */
export function metadataAnswerResponse(answer: MetadataResponse, method: string): Response {
  const bodyless = answer.status === 204 || method.toUpperCase() === 'HEAD';
  return new Response(bodyless ? null : answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * The handler's `Response` with the headers of `verifier.responseHeaders(auth)` (e.g. a fresh
 * `DPoP-Nonce`, RFC 9449 §8.2) set on it. A `Response` whose headers are immutable (one from `fetch()`,
 * or `Response.redirect()`) is copied first; the body is streamed through, never read.
 *
 * @example
 * ```ts
 * const response = await handler(request, auth);
 * return withResponseHeaders(response, verifier.responseHeaders?.(auth));
 * ```
 */
export function withResponseHeaders(response: Response, headers: Readonly<Record<string, string>> | undefined): Response {
  if (headers === undefined) return response;
  const names = Object.keys(headers);
  if (names.length === 0) return response;
  let target = response;
  try {
    for (const name of names) target.headers.set(name, headers[name]!);
  } catch {
    target = new Response(response.body, response);
    for (const name of names) target.headers.set(name, headers[name]!);
  }
  return target;
}
