import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { FakeIssuer } from '@portcullis/testing';
import type { VerifierOptions } from '@portcullis/core';

/** Verifier options pointing at the fake issuer. */
export function verifierOptions(issuer: FakeIssuer, extra: Partial<VerifierOptions> = {}): VerifierOptions {
  return { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, ...extra } as VerifierOptions;
}

/** Every app a test builds, closed after each test. */
const apps: FastifyInstance[] = [];

export function newApp(): FastifyInstance {
  const app = Fastify();
  apps.push(app);
  return app;
}

export async function closeApps(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => app.close()));
}

/** A handler that shows what the route saw: the token's subject, scopes and a custom claim. */
export function whoami(request: FastifyRequest): { auth: null | { subject: string | undefined; scopes: readonly string[] } } {
  const auth = request.auth;
  return { auth: auth === undefined ? null : { subject: auth.subject, scopes: auth.scopes } };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** Renders an error the way an app's own handler might: its status and headers, a custom body. */
export function renderOwnError(error: Error & { statusCode?: number; headers?: Record<string, string> }, _request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .code(error.statusCode ?? 500)
    .headers(error.headers ?? {})
    .send({ problem: error.name });
}
