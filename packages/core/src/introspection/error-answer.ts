/**
 * What a 400 from the introspection endpoint is about. RFC 7662 §2.2 answers every token it will not vouch
 * for with 200 `{"active":false}`; a 400 is about the request, except for the codes a few servers use for a
 * token they cannot read. Only that well-formed answer about the token may refuse it (401); an answer about
 * our own request or our client (oidc-provider's `invalid_request` for a badly encoded client secret) means
 * the token was never judged, and the verifier answers 503.
 *
 * | 400 body `error` | about | the API answers |
 * |---|---|---|
 * | `invalid_token`, `unsupported_token_type` (RFC 7009 §2.2.1) | the token | 401 `invalid_token` |
 * | `invalid_client`, `unauthorized_client` | our client | 503, `introspection_failed` kind `unauthorized` |
 * | anything else, or no JSON object with a string `error` | our request | 503, `introspection_failed` kind `status` |
 */
import { parseJsonText } from '../lib/fetch-json.js';

const TOKEN_ERRORS: ReadonlySet<unknown> = new Set(['invalid_token', 'unsupported_token_type']);
const CLIENT_ERRORS: ReadonlySet<unknown> = new Set(['invalid_client', 'unauthorized_client']);

/**
 * `'token'`, `'client'`, or `'request: <code>'` (the code cut to 64 characters, for the event's message).
 *
 * @example
 * ```ts
 * badRequestSubject('{"error":"invalid_request"}', endpoint); // 'request: invalid_request'
 * ```
 */
export function badRequestSubject(text: string, endpoint: string): 'token' | 'client' | `request: ${string}` {
  let code: unknown;
  try {
    code = (parseJsonText(text, endpoint) as { error?: unknown } | null)?.error;
  } catch {
    code = undefined;
  }
  if (TOKEN_ERRORS.has(code)) return 'token';
  if (CLIENT_ERRORS.has(code)) return 'client';
  return `request: ${typeof code === 'string' ? code.slice(0, 64) : 'no error code'}`;
}
