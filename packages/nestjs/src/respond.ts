/**
 * The one place the guard writes an answer, on whichever response object the Nest platform gives:
 * Node's `ServerResponse` (what `@nestjs/platform-express` hands out, Express's `res`) or a Fastify
 * reply (`@nestjs/platform-fastify`). Written the way `@portcullis/express` and `@portcullis/fastify`
 * write it, so the bytes are theirs.
 */
import { ServerResponse } from 'node:http';
import { ERROR_CONTENT_TYPE, errorResponse, setResponseHeaders, writeErrorResponse, type AuthError } from '@portcullis/core';

/** What the guard needs of a Fastify reply (no Fastify types: the package does not depend on it). */
interface ReplyLike {
  readonly raw: ServerResponse;
  readonly sent: boolean;
  code(status: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  type(contentType: string): ReplyLike;
  send(payload: string): unknown;
}

// A type guard rather than a bare instanceof, which would narrow to ServerResponse<any>.
function isServerResponse(value: unknown): value is ServerResponse {
  return value instanceof ServerResponse;
}

function isReply(response: unknown): response is ReplyLike {
  const reply = response as Partial<ReplyLike> | null;
  return (
    typeof reply === 'object' &&
    reply !== null &&
    isServerResponse(reply.raw) &&
    typeof reply.code === 'function' &&
    typeof reply.header === 'function' &&
    typeof reply.send === 'function'
  );
}

function writeReply(reply: ReplyLike, error: AuthError): void {
  const { status, headers, body } = errorResponse(error);
  reply.code(status);
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  reply.type(ERROR_CONTENT_TYPE).send(JSON.stringify(body));
}

/**
 * Answers the request with the error's status, headers and JSON body. False when it cannot: the
 * response is already sent, or is of a kind this package does not know.
 */
export function respondWithAuthError(response: unknown, error: AuthError): boolean {
  if (isReply(response)) {
    if (response.sent || response.raw.headersSent) return false;
    writeReply(response, error);
    return true;
  }
  if (isServerResponse(response)) {
    if (response.headersSent) return false;
    writeErrorResponse(response, error);
    return true;
  }
  return false;
}

/**
 * Sets the error's headers (the challenge, `Retry-After`, `Cache-Control`) on the response without
 * answering, for `errors: 'pass'`: Nest's own exception handler then sends them with the status and
 * body it renders from the {@link PortcullisException}.
 */
export function setAuthErrorHeaders(response: unknown, error: AuthError): void {
  setHeaders(response, errorResponse(error).headers);
}

/** Sets headers on a platform-express or platform-fastify response that has not been sent. */
export function setHeaders(response: unknown, headers: Readonly<Record<string, string>>): void {
  if (isReply(response)) {
    if (response.sent || response.raw.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.header(name, value);
  } else if (isServerResponse(response)) {
    // Core's, as in @portcullis/express: it skips a response already sent.
    setResponseHeaders(response, headers);
  }
}
