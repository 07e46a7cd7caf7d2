import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { authenticateClient, readClientCredentials } from './client-auth.js';
import { serveDocument } from './fault-modes.js';
import type { FaultSetting } from './fault-modes.js';
import { mediaType, readBody, sendJson } from './http-io.js';
import type { OpaqueTokenStore } from './opaque-tokens.js';
import type { ClientRegistration, IntrospectionFaultMode } from './types.js';

/**
 * The media type of RFC 9701 signed introspection responses.
 *
 * @example
 * ```ts
 * await fetch(issuer.introspectionEndpoint, { headers: { accept: TOKEN_INTROSPECTION_JWT } });
 * ```
 */
export const TOKEN_INTROSPECTION_JWT = 'application/token-introspection+jwt';

/** Largest accepted introspection or revocation request body in bytes. */
const MAX_REQUEST_BYTES = 16 * 1024;
const BASIC_CHALLENGE = 'Basic realm="portcullis-testing", charset="UTF-8"';
/** RFC 7662 §2.2 and RFC 7009 answers carry token state: never cached. */
const NO_STORE: OutgoingHttpHeaders = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * An introspection fault setting: a JWKS-style {@link FaultSetting}, or one of the modes only
 * introspection has.
 *
 * @example
 * ```ts
 * const setting: IntrospectionFaultSetting = { mode: 'unauthorized', delayMs: 0 };
 * ```
 */
export interface IntrospectionFaultSetting {
  readonly mode: IntrospectionFaultMode;
  readonly delayMs: number;
}

/**
 * What the introspection and revocation endpoints need from the issuer.
 *
 * @example
 * ```ts
 * const context: IntrospectionContext = { clients, tokens, issuer, verifyJwt, signResponse, mode: () => setting, schedule };
 * ```
 */
export interface IntrospectionContext {
  readonly clients: ReadonlyMap<string, ClientRegistration>;
  readonly tokens: OpaqueTokenStore;
  readonly issuer: string;
  /** The claims of a JWT this issuer signed and that still verifies, else undefined. */
  verifyJwt(token: string): Promise<Record<string, unknown> | undefined>;
  /** Signs an RFC 9701 response JWT (header `typ: token-introspection+jwt`). */
  signResponse(payload: Record<string, unknown>): string;
  mode(): IntrospectionFaultSetting;
  schedule(callback: () => void, delayMs: number): void;
}

class EndpointError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(description);
  }
}

async function readForm(req: IncomingMessage, endpoint: string): Promise<URLSearchParams> {
  if (req.method !== 'POST') throw new EndpointError(405, 'invalid_request', `the ${endpoint} endpoint accepts POST only`, { Allow: 'POST' });
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    throw new EndpointError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body.kind === 'too-large') throw new EndpointError(413, 'invalid_request', 'the request body is too large');
  const params = new URLSearchParams(body.body.toString('utf8'));
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) throw new EndpointError(400, 'invalid_request', `parameter "${name}" is repeated`);
    seen.add(name);
  }
  return params;
}

/** RFC 7662 §2.1: "the protected resource [...] MUST authenticate" — a registered client, Basic or post. */
function caller(req: IncomingMessage, params: URLSearchParams, context: IntrospectionContext): ClientRegistration {
  const credentials = readClientCredentials(req.headers.authorization, params);
  if (credentials.method === 'multiple') throw new EndpointError(400, 'invalid_request', 'more than one client authentication method was used');
  if (credentials.method === 'none') {
    throw new EndpointError(401, 'invalid_client', 'client authentication is required', { 'WWW-Authenticate': BASIC_CHALLENGE });
  }
  const client = authenticateClient(context.clients, credentials.clientId, credentials.clientSecret);
  if (client !== undefined) return client;
  throw new EndpointError(401, 'invalid_client', 'client authentication failed', credentials.method === 'basic' ? { 'WWW-Authenticate': BASIC_CHALLENGE } : {});
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

async function introspectionMembers(token: string, context: IntrospectionContext): Promise<Record<string, unknown>> {
  if (context.tokens.has(token)) {
    const claims = context.tokens.lookup(token);
    return claims === undefined ? { active: false } : { active: true, ...claims };
  }
  if (looksLikeJwt(token) && !context.tokens.isRevoked(token)) {
    const claims = await context.verifyJwt(token);
    if (claims !== undefined) return { active: true, ...claims, token_type: 'Bearer' };
  }
  // Unknown, expired, revoked or not ours: RFC 7662 §2.2 says no more than that.
  return { active: false };
}

function wantsJwt(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => mediaType(part) === TOKEN_INTROSPECTION_JWT);
}

async function answerIntrospection(req: IncomingMessage, res: ServerResponse, params: URLSearchParams, context: IntrospectionContext): Promise<void> {
  const setting = context.mode();
  if (setting.mode === 'unauthorized') throw new EndpointError(401, 'invalid_client', 'client authentication failed', { 'WWW-Authenticate': BASIC_CHALLENGE });
  if (setting.mode === 'bad-request') {
    throw new EndpointError(400, 'invalid_request', 'client_id and client_secret in the authorization header are not properly encoded');
  }
  if (setting.mode === 'invalid-token') throw new EndpointError(400, 'invalid_token', 'the token is malformed');
  const client = caller(req, params, context);
  const token = params.get('token') ?? '';
  if (token === '') throw new EndpointError(400, 'invalid_request', 'token is missing');
  const members = await introspectionMembers(token, context);
  if (wantsJwt(req) && setting.mode !== 'plain-json') {
    // RFC 9701 §5: iss, aud (the caller), iat, and the RFC 7662 members under token_introspection.
    const jwt = context.signResponse({ iss: context.issuer, aud: client.clientId, iat: Math.floor(Date.now() / 1000), token_introspection: members });
    res.writeHead(200, { ...NO_STORE, 'Content-Type': TOKEN_INTROSPECTION_JWT, 'Content-Length': Buffer.byteLength(jwt) });
    res.end(jwt);
    return;
  }
  sendJson(req, res, 200, members, NO_STORE);
}

async function respond(req: IncomingMessage, res: ServerResponse, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error;
    if (!req.complete) {
      await readBody(req, 0).catch(() => undefined);
      if (res.destroyed) return;
    }
    sendJson(req, res, error.status, { error: error.code, error_description: error.message }, { ...NO_STORE, ...error.headers });
  }
}

/**
 * Answers the RFC 7662 introspection endpoint: authenticates the caller (a registered client, with
 * `client_secret_basic` or `client_secret_post`), answers `{"active":false}` for unknown, expired and
 * revoked tokens, the stored claims of active opaque tokens and the claims of this issuer's valid JWTs,
 * and an RFC 9701 signed JWT when the caller accepts `application/token-introspection+jwt`. Honours the
 * introspection fault mode.
 *
 * @example
 * ```ts
 * if (path === introspectionPath) await handleIntrospectionRequest(req, res, context);
 * ```
 */
export async function handleIntrospectionRequest(req: IncomingMessage, res: ServerResponse, context: IntrospectionContext): Promise<void> {
  const setting = context.mode();
  switch (setting.mode) {
    case 'up':
    case 'unauthorized':
    case 'plain-json':
    case 'bad-request':
    case 'invalid-token':
      break;
    case 'slow':
      await new Promise<void>((resolve) => context.schedule(resolve, setting.delayMs));
      if (res.destroyed) return;
      break;
    case 'hang':
    case 'reset':
      serveDocument(req, res, { mode: setting.mode, delayMs: 0 }, faultContext(context));
      return;
    default:
      // Read the request first, so that the client sees the faulty answer rather than a broken pipe.
      await readBody(req, MAX_REQUEST_BYTES).catch(() => undefined);
      if (res.destroyed) return;
      serveDocument(req, res, setting as FaultSetting, faultContext(context));
      return;
  }
  await respond(req, res, async () => {
    const params = await readForm(req, 'introspection');
    await answerIntrospection(req, res, params, context);
  });
}

function faultContext(context: IntrospectionContext): Parameters<typeof serveDocument>[3] {
  return {
    document: () => ({ active: true, iss: context.issuer, scope: 'read write' }),
    emptyDocument: {},
    redirectLocation: '/__redirected/introspect',
    schedule: (callback, delayMs) => context.schedule(callback, delayMs),
  };
}

/**
 * Answers the RFC 7009 revocation endpoint: authenticates the caller, revokes the token if the caller
 * is the client it was issued to (any JWT of this issuer for now, since they are stateless), and
 * answers 200 with an empty body, for unknown tokens too (§2.2).
 *
 * @example
 * ```ts
 * if (path === revocationPath) await handleRevocationRequest(req, res, context);
 * ```
 */
export async function handleRevocationRequest(req: IncomingMessage, res: ServerResponse, context: IntrospectionContext): Promise<void> {
  await respond(req, res, async () => {
    const params = await readForm(req, 'revocation');
    const client = caller(req, params, context);
    const token = params.get('token') ?? '';
    if (token === '') throw new EndpointError(400, 'invalid_request', 'token is missing');
    const claims = context.tokens.lookup(token);
    if (claims !== undefined && claims.client_id !== undefined && claims.client_id !== client.clientId) {
      // RFC 7009 §2.1: a client may revoke only its own tokens.
      throw new EndpointError(400, 'unauthorized_client', 'the token was not issued to this client');
    }
    if (claims !== undefined || looksLikeJwt(token)) context.tokens.revoke(token);
    res.writeHead(200, { ...NO_STORE, 'Content-Length': 0 });
    res.end();
  });
}
