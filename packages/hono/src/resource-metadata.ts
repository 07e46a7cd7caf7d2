/**
 * The RFC 9728 protected-resource metadata, served by Hono: core builds the answer, this sends it.
 */
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import {
  metadataAnswerResponse,
  resolveResourceMetadata,
  type ResourceMetadata,
  type ResourceMetadataOptions,
  type Verifier,
} from '@portcullis/core';

/** The path and query of a request URL, the form the metadata path is matched against. */
export function requestTarget(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start === -1 ? '/' : url.slice(start);
}

/**
 * Hono middleware that answers the RFC 9728 metadata path (GET, HEAD, and the CORS preflight) and
 * passes every other request on. `requireAuth` given a verifier with `resourceMetadata` does this by
 * itself; use this one where `requireAuth` is mounted on some paths only (e.g. `/api/*`).
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer, resourceMetadata: { resource: 'https://api.example.com/api' } });
 * app.use(resourceMetadataHandler(verifier));    // serves /.well-known/oauth-protected-resource/api
 * app.use('/api/*', requireAuth(verifier));
 * ```
 */
export function resourceMetadataHandler(source: Verifier<object> | ResourceMetadata | ResourceMetadataOptions): MiddlewareHandler {
  const metadata = resolveResourceMetadata(source, 'resourceMetadataHandler');
  return createMiddleware(async (c, next) => {
    const answer = metadata.serve({ method: c.req.method, url: requestTarget(c.req.url) });
    if (answer !== undefined) return metadataAnswerResponse(answer, c.req.method);
    await next();
    return undefined;
  });
}
