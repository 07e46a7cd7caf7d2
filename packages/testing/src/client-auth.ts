import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientRegistration } from './types.js';

/**
 * How a token request authenticated its client (RFC 6749 §2.3.1).
 *
 * - `basic`: `Authorization: Basic …`; `clientId`/`clientSecret` are undefined when it was malformed
 * - `post`: `client_id` and `client_secret` in the body
 * - `none`: no client authentication (a `client_id` alone is not authentication)
 * - `multiple`: more than one method, which §2.3 forbids
 *
 * @example
 * ```ts
 * const credentials: ClientCredentials = { method: 'post', clientId: 'a', clientSecret: 'b' };
 * ```
 */
export type ClientCredentials =
  | { method: 'basic'; clientId: string | undefined; clientSecret: string | undefined }
  | { method: 'post'; clientId: string; clientSecret: string }
  | { method: 'none' }
  | { method: 'multiple' };

/** `application/x-www-form-urlencoded` decoding, as §2.3.1 requires for the Basic user and password. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

function parseBasic(authorization: string): { clientId: string | undefined; clientSecret: string | undefined } {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization);
  const decoded = match === null ? '' : Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { clientId: undefined, clientSecret: undefined };
  return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
}

/**
 * Finds which client authentication methods a token request used.
 *
 * @example
 * ```ts
 * const credentials = readClientCredentials(req.headers.authorization, new URLSearchParams(body));
 * if (credentials.method === 'multiple') sendError(400, 'invalid_request');
 * ```
 */
export function readClientCredentials(authorization: string | undefined, params: URLSearchParams): ClientCredentials {
  const bodyId = params.get('client_id') ?? '';
  const bodySecret = params.get('client_secret') ?? '';
  const usesPost = bodySecret !== '';
  if (authorization !== undefined) {
    return usesPost ? { method: 'multiple' } : { method: 'basic', ...parseBasic(authorization) };
  }
  if (usesPost && bodyId !== '') return { method: 'post', clientId: bodyId, clientSecret: bodySecret };
  return { method: 'none' };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The client whose id and secret these are, or `undefined`. The secret comparison takes the same time
 * whether the client exists or not and wherever the secrets differ.
 *
 * @example
 * ```ts
 * const client = authenticateClient(clients, 'orders-service', 'orders-secret');
 * ```
 */
export function authenticateClient(
  clients: ReadonlyMap<string, ClientRegistration>,
  clientId: string | undefined,
  clientSecret: string | undefined,
): ClientRegistration | undefined {
  const client = clientId === undefined ? undefined : clients.get(clientId);
  // Hashing first gives equal-length inputs to timingSafeEqual.
  const expected = digest(client?.clientSecret ?? 'no such client: compare against something anyway');
  const given = digest(clientSecret ?? '');
  const equal = timingSafeEqual(expected, given);
  return client !== undefined && clientSecret !== undefined && equal ? client : undefined;
}

/**
 * Checks the `Authorization: Basic` value that {@link readClientCredentials} expects, for clients of the
 * fake issuer: `Basic base64(urlencode(id) ":" urlencode(secret))`.
 *
 * @example
 * ```ts
 * await fetch(issuer.tokenEndpoint, { headers: { authorization: basicAuthorization('demo', 's3cret') } });
 * ```
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replaceAll('%20', '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`, 'utf8').toString('base64')}`;
}
