/**
 * `requireMcpAuth`: Portcullis's own middleware in front of an MCP server's Streamable HTTP endpoint.
 * It answers like every Portcullis adapter and leaves the SDK's `AuthInfo` on `req.auth`, where the
 * SDK's transport reads it and hands it to tools.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  describeRequest,
  isAuthError,
  rejectUnknownKeys,
  resolveAdapterOptions,
  resolveResourceMetadata,
  resolveVerifier,
  routeRequirement,
  scopeRequirement,
  setResponseHeaders,
  writeErrorResponse,
  writeMetadataResponse,
  type AccessToken,
  type ClaimRequirement,
  type JwtClaims,
  type ResourceMetadata,
  type ResourceMetadataOptions,
  type Verifier,
  type VerifierOptions,
  type VerifierInput,
  type IssuerOption,
} from '@portcullis/core';
import { toAuthInfo } from './auth-info.js';

/**
 * The request as this package reads and writes it: Node's request with what Express adds. `auth` is
 * the SDK's own `AuthInfo`, the type the SDK declares on Express's `Request`, so both declarations
 * agree; this package declares nothing on Express itself.
 */
export type McpRequest = IncomingMessage & { auth?: AuthInfo; body?: unknown; originalUrl?: string };

/** A Connect/Express-style middleware on Node's own request and response types. */
export type McpMiddleware = (req: McpRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Options of {@link requireMcpAuth} besides the verifier's.
 *
 * @example
 * ```ts
 * const options: McpAuthOptions = { scopes: ['tools:call'] };
 * ```
 */
export interface McpAuthOptions {
  /** Scopes the token must all have; a 403 names every one of them. */
  scopes?: readonly string[] | undefined;
  /** Scopes of which the token must have at least one. */
  anyScope?: readonly string[] | undefined;
  /** Roles the token must all have (from the issuer's `roleClaims`, default `roles`); a 403 names the missing ones. */
  requiredRoles?: readonly string[] | undefined;
  /** Claims the token must have (see `ClaimRequirement`); a 403 names the claim, never its value. */
  claims?: ClaimRequirement | undefined;
  /** `'respond'` (default) answers refusals; `'pass'` hands the `AuthError` to `next(err)`. */
  errors?: 'respond' | 'pass' | undefined;
}

/** Every key {@link McpAuthOptions} may hold. */
export const MCP_AUTH_OPTION_KEYS = ['scopes', 'anyScope', 'requiredRoles', 'claims', 'errors'] as const;

/**
 * The middleware returned by {@link requireMcpAuth}, with its verifier (close it on shutdown when
 * the middleware created it).
 *
 * @example
 * ```ts
 * const auth: McpAuthMiddleware = requireMcpAuth(verifier);
 * server.on('close', () => auth.verifier.close());
 * ```
 */
export interface McpAuthMiddleware<C extends object = JwtClaims> extends McpMiddleware {
  readonly verifier: Verifier<C>;
}

const ACCESS_TOKEN = Symbol('portcullis.mcp.access-token');

/**
 * The full Portcullis {@link AccessToken} behind `req.auth` (header, claims typed by your
 * `CustomClaims`, `expiresAt` as a Date), for handlers that want more than `AuthInfo`.
 *
 * @example
 * ```ts
 * app.post('/mcp', auth, (req, res) => {
 *   const token = getAccessToken(req);
 *   console.log(token?.subject);
 * });
 * ```
 */
export function getAccessToken<C extends object = JwtClaims>(req: IncomingMessage): AccessToken<C> | undefined {
  return (req as IncomingMessage & { [ACCESS_TOKEN]?: AccessToken<C> })[ACCESS_TOKEN];
}

const targetOf = (req: McpRequest): string => req.originalUrl ?? req.url ?? '/';

/**
 * Middleware that answers the RFC 9728 metadata path (GET, HEAD, CORS preflight) and passes every
 * other request on: mount it app-wide when {@link requireMcpAuth} guards only the MCP route.
 *
 * @example
 * ```ts
 * app.use(resourceMetadataHandler(verifier));   // /.well-known/oauth-protected-resource/mcp
 * app.all('/mcp', requireMcpAuth(verifier), handleMcp);
 * ```
 */
export function resourceMetadataHandler(source: Verifier<object> | ResourceMetadata | ResourceMetadataOptions): McpMiddleware {
  const metadata = resolveResourceMetadata(source, 'resourceMetadataHandler');
  return function portcullisMcpResourceMetadata(req, res, next) {
    const answer = metadata.serve({ method: req.method, url: targetOf(req) });
    if (answer === undefined) next();
    else writeMetadataResponse(res, answer);
  };
}

/**
 * Protects an MCP server's endpoint. Verifies the bearer token with Portcullis (signature, issuer,
 * audience — the `resourceMetadata.resource` unless `audience` says otherwise —, lifetime), checks the
 * scopes, and sets `req.auth` to the SDK's `AuthInfo` (see {@link toAuthInfo}), which
 * `StreamableHTTPServerTransport.handleRequest` passes to tools. A refusal is the same answer as in
 * every Portcullis adapter: 400, 401 or 403 with a `WWW-Authenticate: Bearer` challenge naming
 * `resource_metadata`, or 503 with `Retry-After`. It also serves the RFC 9728 document at its
 * well-known path, without a token.
 *
 * The verifier must have the `resourceMetadata` option: MCP clients find the authorization server
 * through it. Works with Express 5 and 4 and with a plain `node:http` server.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createVerifier } from '@portcullis/core';
 * import { requireMcpAuth } from '@portcullis/mcp';
 *
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com/',
 *   resourceMetadata: { resource: 'https://mcp.example.com/mcp', scopesSupported: ['tools:call'] },
 * });
 * const app = express();
 * app.use(express.json());
 * app.use(requireMcpAuth(verifier, { scopes: ['tools:call'] }));
 * app.post('/mcp', (req, res) => transport.handleRequest(req, res, req.body));
 * ```
 */
export function requireMcpAuth<
  C extends object = JwtClaims,
  const I extends IssuerOption = IssuerOption,
  R extends ResourceMetadataOptions | undefined = undefined,
>(optionsOrVerifier: VerifierInput<C, I, R> | Verifier<C>, options?: McpAuthOptions): McpAuthMiddleware<C>;
export function requireMcpAuth<C extends object = JwtClaims>(
  optionsOrVerifier: VerifierOptions<C> | Verifier<C>,
  options?: McpAuthOptions,
): McpAuthMiddleware<C> {
  if (typeof optionsOrVerifier !== 'object' || optionsOrVerifier === null) {
    throw new TypeError('Portcullis: requireMcpAuth() needs verifier options or a verifier');
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError('Portcullis: the requireMcpAuth() options must be an options object');
  }
  if (options !== undefined) rejectUnknownKeys(options, MCP_AUTH_OPTION_KEYS, '');
  const { passErrors: pass } = resolveAdapterOptions(options?.errors === undefined ? undefined : { errors: options.errors });
  const scoped = scopeRequirement({ allOf: options?.scopes, anyOf: options?.anyScope }, 'requireMcpAuth');
  const roles = options?.requiredRoles;
  if (roles !== undefined && (!Array.isArray(roles) || roles.length === 0)) {
    throw new TypeError('Portcullis: option "requiredRoles" must be a non-empty list of role names');
  }
  const requirement =
    roles === undefined && options?.claims === undefined
      ? scoped
      : routeRequirement({ ...scoped, roles: roles === undefined ? undefined : { allOf: roles }, claims: options?.claims }, 'requireMcpAuth');
  if (!('resourceMetadata' in optionsOrVerifier) || optionsOrVerifier.resourceMetadata === undefined) {
    throw new TypeError(
      'Portcullis: requireMcpAuth() needs the verifier option "resourceMetadata" (MCP clients find the authorization server through RFC 9728 metadata)',
    );
  }
  const { verifier } = resolveVerifier<C>(optionsOrVerifier);
  const metadata = verifier.resourceMetadata!;
  const resource = metadata.resource;

  async function authenticate(req: McpRequest, res: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    let auth: AccessToken<C>;
    try {
      auth = await verifier.verify(describeRequest(req, req.body));
      // E.g. a fresh DPoP-Nonce: on every answer to an accepted token, a scope refusal included.
      const headers = verifier.responseHeaders?.(auth);
      if (headers !== undefined) setResponseHeaders(res, headers);
      if (requirement !== undefined) verifier.checkScopes(auth, requirement);
    } catch (error) {
      if (!isAuthError(error) || pass || res.headersSent) next(error);
      else writeErrorResponse(res, error);
      return;
    }
    (req as McpRequest & { [ACCESS_TOKEN]?: AccessToken<C> })[ACCESS_TOKEN] = auth;
    req.auth = toAuthInfo(auth, resource);
    next();
  }

  const middleware: McpMiddleware = function portcullisRequireMcpAuth(req, res, next) {
    // RFC 9728: the metadata is how a client learns where to get a token, so it needs none.
    const answer = metadata.serve({ method: req.method, url: targetOf(req) });
    if (answer !== undefined) {
      writeMetadataResponse(res, answer);
      return;
    }
    void authenticate(req, res, next).catch(next);
  };
  return Object.defineProperty(middleware, 'verifier', { value: verifier, enumerable: true }) as McpAuthMiddleware<C>;
}
