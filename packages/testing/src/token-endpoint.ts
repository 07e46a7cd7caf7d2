import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { authenticateClient, readClientCredentials } from './client-auth.js';
import { mediaType, readBody, sendJson } from './http-io.js';
import { tokenRequestBinding } from './token-binding.js';
import { bindingConfirmation } from './binding.js';
import type { ClientRegistration, MintOptions } from './types.js';

/**
 * Largest accepted token request body in bytes; larger ones get 413 `invalid_request`.
 *
 * @example
 * ```ts
 * const body = 'grant_type=client_credentials&padding=' + 'x'.repeat(MAX_TOKEN_REQUEST_BYTES); // 413
 * ```
 */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

/** Realm of the `WWW-Authenticate: Basic` challenge of `invalid_client` answers. */
const BASIC_CHALLENGE = 'Basic realm="portcullis-testing", charset="UTF-8"';

/** RFC 6749 §5.1: token endpoint answers must never be cached. */
const NO_STORE: OutgoingHttpHeaders = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** RFC 6749 §3.3 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * What the token endpoint needs from the issuer.
 *
 * @example
 * ```ts
 * const context: TokenEndpointContext = { clients, audience: 'https://api.example.com', lifetime: 300, mint, mintOpaque };
 * ```
 */
export interface TokenEndpointContext {
  readonly clients: ReadonlyMap<string, ClientRegistration>;
  readonly audience: string;
  readonly lifetime: number;
  mint(claims: Record<string, unknown>, options?: MintOptions): string;
  /** Hands out an opaque token for clients registered with `tokenFormat: 'opaque'`. */
  mintOpaque(claims: Record<string, unknown>, options: { lifetime: number }): string;
  /** The URL this endpoint is reached at: a DPoP proof's `htu` must name it (RFC 9449 §5). */
  endpointUrl?(): string;
}

class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(description);
  }
}

function checkDuplicates(params: URLSearchParams): void {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    // RFC 8707 §2: resource is the one parameter that may repeat.
    if (seen.has(name) && name !== 'resource') {
      throw new TokenError(400, 'invalid_request', `parameter "${name}" is repeated`);
    }
    seen.add(name);
  }
}

function authenticate(req: IncomingMessage, params: URLSearchParams, context: TokenEndpointContext): ClientRegistration {
  const credentials = readClientCredentials(req.headers.authorization, params);
  if (credentials.method === 'multiple') {
    throw new TokenError(400, 'invalid_request', 'more than one client authentication method was used');
  }
  if (credentials.method === 'none') {
    // RFC 6749 §5.2 lists "no client authentication included" under invalid_client; the challenge
    // tells the client which scheme to use.
    throw new TokenError(401, 'invalid_client', 'client authentication is required', {
      'WWW-Authenticate': BASIC_CHALLENGE,
    });
  }
  const client = authenticateClient(context.clients, credentials.clientId, credentials.clientSecret);
  if (client !== undefined) return client;
  // The challenge belongs to Basic attempts (§5.2); a failed client_secret_post gets a bare 401.
  const headers: OutgoingHttpHeaders = credentials.method === 'basic' ? { 'WWW-Authenticate': BASIC_CHALLENGE } : {};
  throw new TokenError(401, 'invalid_client', 'client authentication failed', headers);
}

/**
 * RFC 6749 §3.3 lets a server grant a default when `scope` is missing, and grant less than asked:
 * each client says which (`defaultScopes`, `unknownScope`), since real servers differ.
 */
function grantScopes(client: ClientRegistration, requested: string | null): string[] {
  if (requested === null || requested === '') return [...new Set(client.defaultScopes ?? client.scopes)];
  const tokens = requested.split(' ').filter((token) => token !== '');
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw new TokenError(400, 'invalid_scope', 'scope contains an illegal character');
    if (!client.scopes.includes(token) && client.unknownScope !== 'drop') {
      throw new TokenError(400, 'invalid_scope', `scope "${token}" is not allowed for this client`);
    }
  }
  return [...new Set(tokens.filter((token) => client.scopes.includes(token)))];
}

function audienceOf(client: ClientRegistration, resources: string[], context: TokenEndpointContext): string | string[] {
  const unique = [...new Set(resources.filter((resource) => resource !== ''))];
  for (const resource of unique) {
    // RFC 8707 §2: an absolute URI without a fragment.
    if (!URL.canParse(resource) || resource.includes('#')) {
      throw new TokenError(400, 'invalid_target', 'resource must be an absolute URI without a fragment');
    }
  }
  if (unique.length === 1) return unique[0]!;
  if (unique.length > 1) return unique;
  return client.audience ?? context.audience;
}

async function answer(req: IncomingMessage, context: TokenEndpointContext): Promise<Record<string, unknown>> {
  if (req.method !== 'POST') {
    throw new TokenError(405, 'invalid_request', 'the token endpoint accepts POST only', { Allow: 'POST' });
  }
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    throw new TokenError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const body = await readBody(req, MAX_TOKEN_REQUEST_BYTES);
  if (body.kind === 'too-large') throw new TokenError(413, 'invalid_request', 'the request body is too large');
  const params = new URLSearchParams(body.body.toString('utf8'));
  checkDuplicates(params);
  const grantType = params.get('grant_type') ?? '';
  if (grantType === '') throw new TokenError(400, 'invalid_request', 'grant_type is missing');

  const client = authenticate(req, params, context);
  if (grantType !== 'client_credentials') {
    throw new TokenError(400, 'unsupported_grant_type', 'only client_credentials is supported');
  }
  if (!(client.grantTypes ?? ['client_credentials']).includes('client_credentials')) {
    throw new TokenError(400, 'unauthorized_client', 'this client may not use client_credentials');
  }
  const scopes = grantScopes(client, params.get('scope'));
  const aud = audienceOf(client, params.getAll('resource'), context);

  const claims: Record<string, unknown> = { sub: client.clientId, client_id: client.clientId, aud };
  claims.scope = scopes.length > 0 ? scopes.join(' ') : undefined;
  const binding = await tokenRequestBinding(req, context.endpointUrl?.() ?? '');
  if (binding.kind === 'invalid_dpop_proof') throw new TokenError(400, 'invalid_dpop_proof', binding.description);
  let accessToken: string;
  if (client.tokenFormat === 'opaque') {
    // Bound opaque tokens carry their cnf server-side; introspection answers it (RFC 9449 §6.2, RFC 8705 §3.2).
    const cnf = bindingConfirmation({ dpopKey: binding.jkt, certificate: binding.certificate }, undefined);
    if (cnf !== undefined) claims.cnf = cnf;
    accessToken = context.mintOpaque(claims, { lifetime: context.lifetime });
  } else {
    const mintOptions: MintOptions = { alg: 'RS256', lifetime: context.lifetime };
    if (binding.jkt !== undefined) mintOptions.dpopKey = binding.jkt;
    if (binding.certificate !== undefined) mintOptions.certificate = binding.certificate;
    accessToken = context.mint(claims, mintOptions);
  }
  const response: Record<string, unknown> = {
    access_token: accessToken,
    // RFC 9449 §5: a DPoP-bound token is of type DPoP.
    token_type: binding.jkt !== undefined ? 'DPoP' : 'Bearer',
    expires_in: context.lifetime,
  };
  if (scopes.length > 0) response.scope = scopes.join(' ');
  return response;
}

/**
 * Answers a request to the token endpoint: the client credentials grant (RFC 6749 §4.4) with
 * `client_secret_basic` or `client_secret_post`, `scope`, and RFC 8707 `resource`. Every answer carries
 * `Cache-Control: no-store` and `Pragma: no-cache`; errors are RFC 6749 §5.2 JSON.
 *
 * @example
 * ```ts
 * if (path === tokenPath) await handleTokenRequest(req, res, { clients, audience, lifetime, mint });
 * ```
 */
export async function handleTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: TokenEndpointContext,
): Promise<void> {
  try {
    sendJson(req, res, 200, await answer(req, context), NO_STORE);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    if (!req.complete) {
      // Answering before the body was read would make the client see a broken pipe instead.
      await readBody(req, 0).catch(() => undefined);
      if (res.destroyed) return;
    }
    sendJson(req, res, error.status, { error: error.code, error_description: error.message }, {
      ...NO_STORE,
      ...error.headers,
    });
  }
}
