/**
 * The RFC 9728 protected-resource metadata, served on the Nest app's underlying server: core builds
 * the answer, this writes it, the way `@portcullis/express` and `@portcullis/fastify` write it.
 *
 * Not a controller, a guard or a Nest middleware: no controller declares the well-known path (so a
 * guard never runs there); `forRoutes()` would put the app's global prefix in front of it (RFC 9728
 * §3.1 fixes it at the origin's root) and pass it through path-to-regexp; and it is served before any
 * route, pipe or exception filter of the app, which might otherwise answer it first.
 */
import type { ServerResponse } from 'node:http';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { writeMetadataResponse, type ResourceMetadata } from '@portcullis/core';

/** What is read of an Express app (no Express types: the package does not depend on it). */
interface ExpressAppLike {
  use(handler: (req: { method: string; url: string; originalUrl?: string }, res: ServerResponse, next: () => void) => void): unknown;
}

/** What is read of a Fastify instance and its requests and replies. */
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  /** Returns the reply, which is thenable (settled once the answer is written). */
  send(payload?: string): PromiseLike<unknown>;
}
interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: { method: string; url: string }, reply: FastifyReplyLike) => PromiseLike<unknown>): unknown;
}

/**
 * Installs the metadata answer on the platform's server, ahead of every route: an Express
 * middleware, or a Fastify `onRequest` hook (so that a body sent with a POST is never parsed, and
 * the 405 is core's rather than a 415). Every other request passes on untouched.
 *
 * @throws Error on a platform other than `@nestjs/platform-express` or `@nestjs/platform-fastify`.
 */
export function installResourceMetadata(httpAdapter: AbstractHttpAdapter, metadata: ResourceMetadata): void {
  const type = httpAdapter.getType();
  if (type === 'express') {
    const app = httpAdapter.getInstance<ExpressAppLike>();
    app.use(function portcullisResourceMetadata(req, res, next) {
      const answer = metadata.serve({ method: req.method, url: req.originalUrl ?? req.url });
      if (answer === undefined) next();
      else writeMetadataResponse(res, answer);
    });
    return;
  }
  if (type === 'fastify') {
    const fastify = httpAdapter.getInstance<FastifyLike>();
    // A promise-returning hook that returns the reply once it answered: Fastify then runs no
    // further step (no body parsing, no route, no guard).
    fastify.addHook('onRequest', (request, reply) => {
      const answer = metadata.serve({ method: request.method, url: request.url });
      if (answer === undefined) return Promise.resolve(undefined);
      reply.code(answer.status).headers(answer.headers);
      return answer.status === 204 ? reply.send() : reply.send(answer.body);
    });
    return;
  }
  throw new Error(
    `Portcullis: the verifier's resourceMetadata is served on @nestjs/platform-express and @nestjs/platform-fastify only, not on "${type}"`,
  );
}
