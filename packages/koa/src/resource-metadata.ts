/**
 * The RFC 9728 protected-resource metadata, served by Koa: core builds the answer, this writes it.
 */
import {
  resolveResourceMetadata,
  type MetadataResponse,
  type ResourceMetadata,
  type ResourceMetadataOptions,
  type Verifier,
} from '@portcullis/core';
import type { Context, Middleware, Next } from 'koa';

/** Writes core's metadata answer on the context. */
export function writeMetadata(ctx: Context, answer: MetadataResponse): void {
  // Status first: Koa's body setter turns an implicit status into 200.
  ctx.status = answer.status;
  ctx.set(answer.headers);
  // A 204 keeps no body; Koa sends none for HEAD by itself.
  if (answer.status !== 204) ctx.body = answer.body;
}

/**
 * Koa middleware that answers the RFC 9728 metadata path (GET, HEAD, and the CORS preflight) and
 * passes every other request on. `requireAuth` given a verifier with `resourceMetadata` does this by
 * itself; use this one where `requireAuth` is mounted on a router rather than app-wide.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer, resourceMetadata: { resource: 'https://api.example.com/v1' } });
 * app.use(resourceMetadataHandler(verifier));    // serves /.well-known/oauth-protected-resource/v1
 * router.use(requireAuth(verifier));
 * ```
 */
export function resourceMetadataHandler(source: Verifier<object> | ResourceMetadata | ResourceMetadataOptions): Middleware {
  const metadata = resolveResourceMetadata(source, 'resourceMetadataHandler');
  return async function portcullisResourceMetadata(ctx: Context, next: Next): Promise<void> {
    const answer = metadata.serve({ method: ctx.method, url: ctx.originalUrl });
    if (answer === undefined) await next();
    else writeMetadata(ctx, answer);
  };
}
