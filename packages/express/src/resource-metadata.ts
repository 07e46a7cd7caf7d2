/**
 * The RFC 9728 protected-resource metadata, served by Express: core builds the answer, this writes it.
 */
import type { NextFunction, Request, Response } from 'express';
import {
  resolveResourceMetadata,
  writeMetadataResponse,
  type ResourceMetadata,
  type ResourceMetadataOptions,
  type Verifier,
} from '@portcullis/core';
import type { Middleware } from './auth-state.js';


/** The path the metadata is matched against: the full one, even inside a mounted router. */
export function requestTarget(req: Request): string {
  return req.originalUrl ?? req.url;
}

/**
 * Express middleware that answers the RFC 9728 metadata path (GET, HEAD, and the CORS preflight) and
 * passes every other request on. `requireAuth` given a verifier with `resourceMetadata` does this by
 * itself; use this one where `requireAuth` is not mounted app-wide (e.g. only on a router).
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer, resourceMetadata: { resource: 'https://api.example.com/v1' } });
 * app.use(resourceMetadataHandler(verifier));    // serves /.well-known/oauth-protected-resource/v1
 * app.use('/v1', requireAuth(verifier), v1Router);
 * ```
 */
export function resourceMetadataHandler(source: Verifier<object> | ResourceMetadata | ResourceMetadataOptions): Middleware {
  const metadata = resolveResourceMetadata(source, 'resourceMetadataHandler');
  const handler = function portcullisResourceMetadata(req: Request, res: Response, next: NextFunction): void {
    const answer = metadata.serve({ method: req.method, url: requestTarget(req) });
    if (answer === undefined) next();
    else writeMetadataResponse(res, answer);
  };
  return handler as Middleware;
}
