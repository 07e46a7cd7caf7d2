/**
 * The introspection request (RFC 7662 §2.1): a form-encoded POST of the token, authenticated as the
 * resource server's own client (RFC 6749 §2.3.1).
 */
import type { ResolvedIntrospection } from './options.js';

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replaceAll('%20', '+');
}

/** The media type RFC 9701 §4 asks for. */
export const JWT_RESPONSE_MEDIA_TYPE = 'application/token-introspection+jwt';

/**
 * Headers and body of the introspection request for `token`. For Basic, id and secret are
 * form-urlencoded before the Basic encoding, as RFC 6749 §2.3.1 requires (a secret with `:` or `%`
 * would otherwise be misread).
 *
 * @example
 * ```ts
 * const { headers, body } = introspectionRequest(options, token);
 * ```
 */
export function introspectionRequest(options: ResolvedIntrospection, token: string): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: options.jwtResponse ? JWT_RESPONSE_MEDIA_TYPE : 'application/json',
  };
  let body = `token=${formEncode(token)}&token_type_hint=access_token`;
  if (options.authMethod === 'client_secret_basic') {
    const credentials = `${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  } else {
    body += `&client_id=${formEncode(options.clientId)}&client_secret=${formEncode(options.clientSecret)}`;
  }
  return { headers, body };
}
