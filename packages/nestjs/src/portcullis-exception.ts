/**
 * The error `errors: 'pass'` hands to Nest's exception layer: an `HttpException`, so that filters
 * written for Nest (`@Catch(HttpException)`, `getStatus()`, `getResponse()`) handle it as any other.
 */
import { HttpException } from '@nestjs/common';
import { errorResponse, type AuthError, type AuthErrorCode } from '@portcullis/core';

/**
 * A refusal, as an `HttpException`: `getStatus()` is 400, 401, 403 or 503; `getResponse()` is the
 * JSON body the other adapters send (`{ error, error_description }`); `headers` holds the
 * `WWW-Authenticate` challenge (or `Retry-After`) and `Cache-Control: no-store`, which a filter of
 * your own should send; `authError` (also its `cause`) is core's {@link AuthError}.
 *
 * @example
 * ```ts
 * @Catch(PortcullisException)
 * class AuthErrorFilter implements ExceptionFilter {
 *   catch(exception: PortcullisException, host: ArgumentsHost) {
 *     const res = host.switchToHttp().getResponse<express.Response>();
 *     res.status(exception.getStatus()).set(exception.headers).json({ problem: exception.code });
 *   }
 * }
 * ```
 */
export class PortcullisException extends HttpException {
  /** The refusal as core raised it. */
  readonly authError: AuthError;
  /** The headers of the answer: the challenge or `Retry-After`, and `Cache-Control: no-store`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(authError: AuthError) {
    const { status, headers, body } = errorResponse(authError);
    super(body, status, { cause: authError, description: authError.description });
    this.authError = authError;
    this.headers = Object.freeze({ ...headers });
  }

  /** The RFC 6750 error code (`invalid_token`, …) or `credentials_required`/`keys_unavailable`. */
  get code(): AuthErrorCode {
    return this.authError.code;
  }

  /** The HTTP status, for code that reads `statusCode` (the same as `getStatus()`). */
  get statusCode(): number {
    return this.getStatus();
  }
}
