/**
 * The adapter's own options, validated once when the middleware is declared.
 */

/**
 * Options of {@link requireAuth}, besides the verifier's.
 *
 * @example
 * ```ts
 * app.use(requireAuth(verifier, { optional: true, errors: 'pass' }));
 * ```
 */
export interface KoaAuthOptions {
  /**
   * A request without any credential passes with `ctx.state.auth` undefined; a bad credential is
   * still refused. Default false.
   */
  optional?: boolean | undefined;
  /**
   * `'respond'` (default) answers a refusal directly (status, `WWW-Authenticate`, JSON body).
   * `'pass'` throws the {@link AuthError} instead, for the app's error middleware or Koa's default
   * handler (which renders its `status`, `headers` and message).
   */
  errors?: 'respond' | 'pass' | undefined;
}

export interface ResolvedKoaAuthOptions {
  readonly optional: boolean;
  readonly passErrors: boolean;
}

export function resolveKoaAuthOptions(options: KoaAuthOptions | undefined): ResolvedKoaAuthOptions {
  if (options === undefined) return { optional: false, passErrors: false };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('@portcullis/koa: requireAuth options must be an object');
  }
  const { optional, errors } = options;
  if (optional !== undefined && typeof optional !== 'boolean') {
    throw new TypeError('@portcullis/koa: option "optional" must be a boolean');
  }
  if (errors !== undefined && errors !== 'respond' && errors !== 'pass') {
    throw new TypeError('@portcullis/koa: option "errors" must be "respond" or "pass"');
  }
  return { optional: optional === true, passErrors: errors === 'pass' };
}
