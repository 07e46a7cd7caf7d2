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
