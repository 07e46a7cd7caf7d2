/**
 * What every framework adapter needs from core, so that adapters stay a few lines of glue: the
 * request descriptor from Node's request, a verifier from options or an existing one, scope
 * requirements checked once at declaration, and the response for an {@link AuthError}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AuthError, ErrorBody } from './errors/errors.js';
import type { VerifierOptions } from './options.js';
import { rejectUnknownKeys } from './lib/known-keys.js';
import { ResourceMetadata, type MetadataResponse, type ResourceMetadataOptions } from './metadata/resource-metadata.js';
import { normalizeScopeList } from './scopes/scopes.js';
import type { JwtClaims, RequestDescriptor, ScopeRequirement } from './types.js';
import { createVerifier } from './verifier.js';
import type { Verifier } from './verifier-types.js';

/**
 * The descriptor core reads, from Node's `IncomingMessage` (Express's `req`, Fastify's `request.raw`,
 * Koa's `ctx.req`), and the parsed body when the framework has one.
 *
 * @example
 * ```ts
 * const auth = await verifier.authenticate(describeRequest(req, req.body));
 * ```
 */
export function describeRequest(req: IncomingMessage, body?: unknown): RequestDescriptor {
  // Express rewrites `req.url` under a mounted router; the URL a DPoP proof names is the original one.
  const url = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  const descriptor: RequestDescriptor = {
    method: req.method ?? 'GET',
    url: typeof url === 'string' ? url : (req.url ?? '/'),
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    body,
  };
  const socket = req.socket as Partial<TLSSocket> | null;
  if (socket?.encrypted === true) {
    descriptor.encrypted = true;
    // Read only when a certificate-bound token asks for it: a plain bearer request never pays for it.
    descriptor.peerCertificate = () => peerCertificate(socket);
  }
  return descriptor;
}

function peerCertificate(socket: Partial<TLSSocket>): Uint8Array | undefined {
  const certificate = socket.getPeerCertificate?.(false);
  // Node gives `{}` when the client sent no certificate.
  const raw = certificate?.raw as Buffer | undefined;
  return raw !== undefined && raw.length > 0 ? raw : undefined;
}

/**
 * Sets the headers of {@link Verifier.responseHeaders} on Node's response (Express's `res`), unless it
 * was already sent.
 *
 * @example
 * ```ts
 * const headers = verifier.responseHeaders?.(auth);
 * if (headers !== undefined) setResponseHeaders(res, headers);
 * ```
 */
export function setResponseHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  if (res.headersSent) return;
  for (const name of Object.keys(headers)) res.setHeader(name, headers[name]!);
}

/** True for a verifier made by `createVerifier` (or anything shaped like one). */
export function isVerifier(value: unknown): value is Verifier<object> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Verifier).authenticate === 'function' &&
    typeof (value as Verifier).checkScopes === 'function'
  );
}

/**
 * A verifier from an adapter's argument: the same verifier when one is given (so that routes share
 * one JWKS cache), or a new one built from options. `owned` says whether the adapter should close it.
 *
 * @example
 * ```ts
 * const { verifier, owned } = resolveVerifier(optionsOrVerifier);
 * ```
 */
export function resolveVerifier<C extends object = JwtClaims>(
  optionsOrVerifier: VerifierOptions<C> | Verifier<C>,
): { verifier: Verifier<C>; owned: boolean } {
  if (isVerifier(optionsOrVerifier)) return { verifier: optionsOrVerifier, owned: false };
  // `requireAuth({ issuer, audience, optional: true })`: say where the adapter's option goes.
  const misplaced = ADAPTER_OPTION_KEYS.find((key) => typeof optionsOrVerifier === 'object' && optionsOrVerifier !== null && Object.hasOwn(optionsOrVerifier, key));
  if (misplaced !== undefined) {
    throw new TypeError(`Portcullis: option "${misplaced}" is an adapter option: pass it in the second argument, requireAuth(options, { ${misplaced} })`);
  }
  return { verifier: createVerifier<C>(optionsOrVerifier), owned: true };
}

/**
 * A route's requirement from the scope lists it declares, checked at declaration (a `TypeError`
 * names the option) and frozen. Undefined when it requires nothing.
 *
 * @example
 * ```ts
 * const requirement = scopeRequirement({ allOf: ['orders:write'] }, 'config.auth');
 * ```
 */
export function scopeRequirement(
  scopes: { allOf?: readonly string[] | undefined; anyOf?: readonly string[] | undefined },
  option: string,
): ScopeRequirement | undefined {
  const allOf = scopes.allOf === undefined ? undefined : normalizeScopeList(scopes.allOf, `${option}.scopes`);
  const anyOf = scopes.anyOf === undefined ? undefined : normalizeScopeList(scopes.anyOf, `${option}.anyScope`);
  if (anyOf !== undefined && anyOf.length === 0) throw new TypeError(`${option}.anyScope: needs at least one scope`);
  if ((allOf === undefined || allOf.length === 0) && anyOf === undefined) return undefined;
  return Object.freeze({ allOf, anyOf });
}

/** The options every adapter takes besides the verifier's. */
export interface AdapterOptions {
  /**
   * A request without any credential passes with no auth; a credential that is present but invalid is
   * still refused. Default false.
   */
  optional?: boolean | undefined;
  /**
   * `'respond'` (default): answer a refusal directly (400, 401, 403 or 503 with the RFC 6750 challenge).
   * `'pass'`: hand the {@link AuthError} to the framework's own error handling.
   */
  errors?: 'respond' | 'pass' | undefined;
}

/** Every key {@link AdapterOptions} may hold. */
export const ADAPTER_OPTION_KEYS = ['optional', 'errors'] as const;

/**
 * Checks an adapter's own options once, when the middleware or plugin is declared: a mistake is a
 * `TypeError` that names the option.
 *
 * @example
 * ```ts
 * const { optional, passErrors } = resolveAdapterOptions(options);
 * ```
 */
export function resolveAdapterOptions(options: AdapterOptions | undefined): { optional: boolean; passErrors: boolean } {
  if (options === undefined) return { optional: false, passErrors: false };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Portcullis: the adapter options must be an options object');
  }
  rejectUnknownKeys(options, ADAPTER_OPTION_KEYS, '');
  const { optional, errors } = options;
  if (optional !== undefined && typeof optional !== 'boolean') {
    throw new TypeError('Portcullis: option "optional" must be a boolean');
  }
  if (errors !== undefined && errors !== 'respond' && errors !== 'pass') {
    throw new TypeError(`Portcullis: option "errors" must be 'respond' or 'pass' (got ${JSON.stringify(errors)})`);
  }
  return { optional: optional === true, passErrors: errors === 'pass' };
}

/** Status, headers and JSON body of the answer to an {@link AuthError}. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

/**
 * The answer to an {@link AuthError}, the same in every adapter: the status, the RFC 6750 challenge
 * (or `Retry-After`), `Cache-Control: no-store`, and the `{ error, error_description }` body.
 *
 * @example
 * ```ts
 * const { status, headers, body } = errorResponse(err);
 * res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
 * ```
 */
export function errorResponse(error: AuthError): ErrorResponse {
  return { status: error.status, headers: error.headers, body: error.toJSON() };
}

/**
 * The metadata a stand-alone metadata handler serves: a verifier's (it must have `resourceMetadata`),
 * a {@link ResourceMetadata} already built, or options to build one. Checked when the handler is made.
 *
 * @example
 * ```ts
 * const metadata = resolveResourceMetadata(verifier, 'resourceMetadataHandler');
 * const answer = metadata.respond(req.method ?? 'GET');
 * ```
 */
export function resolveResourceMetadata(
  source: Verifier<object> | ResourceMetadata | ResourceMetadataOptions,
  caller: string,
): ResourceMetadata {
  if (source instanceof ResourceMetadata) return source;
  if (isVerifier(source)) {
    if (source.resourceMetadata === undefined) {
      throw new TypeError(`Portcullis: ${caller}() was given a verifier without the "resourceMetadata" option`);
    }
    return source.resourceMetadata;
  }
  if (typeof source !== 'object' || source === null) {
    throw new TypeError(`Portcullis: ${caller}() needs a verifier, resource metadata or resourceMetadata options`);
  }
  return new ResourceMetadata(source, {}, 'resourceMetadata');
}

/** The media type of every refusal's JSON body. */
export const ERROR_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Writes the answer to an {@link AuthError} with Node's own response methods: status, headers (the
 * challenge, `Retry-After`, `Cache-Control`), the JSON body and its length. Adapters on Node's
 * `ServerResponse` (Express 4 and 5, MCP servers, NestJS on Express) use it so that they all send the
 * same bytes, with none of a framework's ETag or freshness logic.
 *
 * @example
 * ```ts
 * catch (err) { if (isAuthError(err)) writeErrorResponse(res, err); else throw err; }
 * ```
 */
export function writeErrorResponse(res: ServerResponse, error: AuthError): void {
  const { status, headers, body } = errorResponse(error);
  const payload = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', ERROR_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}

/**
 * Writes an RFC 9728 metadata answer (from `verifier.resourceMetadata.serve(request)`) with Node's own
 * response methods. Node drops the body of a HEAD answer by itself and keeps its `Content-Length`.
 *
 * @example
 * ```ts
 * const answer = verifier.resourceMetadata?.serve({ method: req.method, url: req.url });
 * if (answer !== undefined) writeMetadataResponse(res, answer);
 * ```
 */
export function writeMetadataResponse(res: ServerResponse, answer: MetadataResponse): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(answer.body);
}
