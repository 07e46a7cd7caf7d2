/**
 * The RFC 9728 protected-resource metadata as Fetch `Response`s: core builds the answer, this wraps it.
 */
import {
  metadataAnswerResponse,
  resolveResourceMetadata,
  type ResourceMetadata,
  type ResourceMetadataOptions,
  type Verifier,
} from '@portcullis/core';

type MetadataSource = Verifier<object> | ResourceMetadata | ResourceMetadataOptions;

/** The answer when `request` is on the metadata path; undefined for any other path. */
export function metadataAnswerFor(metadata: ResourceMetadata | undefined, request: Request): Response | undefined {
  if (metadata === undefined) return undefined;
  const url = new URL(request.url);
  const answer = metadata.serve({ method: request.method, url: url.pathname + url.search });
  return answer === undefined ? undefined : metadataAnswerResponse(answer, request.method);
}

/**
 * The RFC 9728 metadata answer when `request` is on the metadata path (`/.well-known/oauth-protected-resource`
 * before the resource's path), undefined for any other request: for a `fetch` function that routes all
 * paths itself. GET and HEAD get the document, OPTIONS the CORS preflight, other methods 405. `withAuth`
 * given a verifier with `resourceMetadata` does this by itself.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer, resourceMetadata: { resource: 'https://api.example.com' } });
 * Bun.serve({
 *   fetch: (request) => metadataResponse(verifier, request) ?? handle(request),
 * });
 * ```
 */
export function metadataResponse(source: MetadataSource, request: Request): Response | undefined {
  return metadataAnswerFor(resolveResourceMetadata(source, 'metadataResponse'), request);
}

/**
 * A handler that answers the RFC 9728 metadata whatever path it is mounted on: for a route of its own,
 * such as a Next.js route file at `app/.well-known/oauth-protected-resource/route.ts` (add the
 * resource's path to the folder when it has one). GET and HEAD get the document, OPTIONS the CORS
 * preflight, other methods 405. Checked when made: a verifier without `resourceMetadata` is a `TypeError`.
 *
 * @example
 * ```ts
 * // app/.well-known/oauth-protected-resource/route.ts
 * import { resourceMetadataHandler } from '@portcullis/web';
 * import { verifier } from '@/lib/auth';
 *
 * export const GET = resourceMetadataHandler(verifier);
 * export const HEAD = GET;
 * export const OPTIONS = GET;
 * ```
 */
export function resourceMetadataHandler(source: MetadataSource): (request: Request) => Response {
  const metadata = resolveResourceMetadata(source, 'resourceMetadataHandler');
  return function portcullisResourceMetadata(request: Request): Response {
    return metadataAnswerResponse(metadata.respond(request.method), request.method);
  };
}
