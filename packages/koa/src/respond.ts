/**
 * The one place the Koa adapter writes an answer: from core's {@link errorResponse}, byte-identical to
 * the other adapters.
 */
import { errorResponse, type AuthError } from '@portcullis/core';
import type { Context } from 'koa';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Answers the request with the error's status, headers and JSON body, without calling `next`. */
export function respondWithAuthError(ctx: Context, error: AuthError): void {
  const { status, headers, body } = errorResponse(error);
  // Status first: Koa's body setter turns an implicit status into 200.
  ctx.status = status;
  ctx.set(headers);
  // Type before body: Koa only guesses a type (text/plain) for a string body when none is set.
  ctx.type = JSON_CONTENT_TYPE;
  ctx.body = JSON.stringify(body);
}
