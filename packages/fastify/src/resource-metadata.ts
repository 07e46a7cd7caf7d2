/**
 * The RFC 9728 protected-resource metadata as a Fastify route: core builds the answer, this sends it.
 */
import {
  resolveResourceMetadata,
  type ResourceMetadata,
  type ResourceMetadataOptions,
  type Verifier,
} from '@portcullis/core';
import type { FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from 'fastify';

/**
 * The route that serves the RFC 9728 metadata document (GET, HEAD and the CORS preflight), public:
 * `config.auth` is `false`. The plugin registers it by itself when its verifier has
 * `resourceMetadata`; add it yourself where the plugin is registered in a prefixed scope, so that the
 * document stays at the origin's well-known path.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer, resourceMetadata: { resource: 'https://api.example.com/v1' } });
 * app.route(resourceMetadataRoute(verifier));   // serves /.well-known/oauth-protected-resource/v1
 * ```
 */
export function resourceMetadataRoute(source: Verifier<object> | ResourceMetadata | ResourceMetadataOptions): RouteOptions {
  const metadata = resolveResourceMetadata(source, 'resourceMetadataRoute');
  // Every common method, so that the others get core's 405 rather than a token check or a 404.
  const methods: HTTPMethods[] = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'];
  function answer(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const response = metadata.respond(request.method);
    reply.code(response.status).headers(response.headers);
    return response.status === 204 ? reply.send() : reply.send(response.body);
  }
  return {
    method: methods,
    url: metadata.path,
    config: { auth: false },
    // Answered in onRequest, like the token check: a body sent along is never parsed (no 415 for a POST).
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => answer(request, reply),
    handler: answer,
  };
}
