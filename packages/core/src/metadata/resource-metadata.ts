/**
 * RFC 9728 protected-resource metadata: the options that describe the resource, the JSON document
 * built from them once, and the HTTP answer every adapter writes for the well-known path.
 */
import { rejectUnknownKeys } from '../lib/known-keys.js';
import { resourceMetadataUrl } from './well-known.js';

/** Ways a client may present a token (RFC 9728 §2 `bearer_methods_supported`, RFC 6750 §2). */
export type BearerMethod = 'header' | 'body' | 'query';

/**
 * What the resource server publishes about itself (RFC 9728 §2). Only `resource` is required.
 *
 * @example
 * ```ts
 * const resourceMetadata: ResourceMetadataOptions = {
 *   resource: 'https://mcp.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com/'],
 *   scopesSupported: ['tools:call'],
 *   resourceName: 'Example MCP server',
 * };
 * ```
 */
export interface ResourceMetadataOptions {
  /**
   * The resource identifier: the public URL clients use (behind a proxy, the proxy's), served exactly
   * as written. With no `audience` configured, tokens must carry it in `aud` (RFC 8707).
   */
  resource: string;
  /** Issuer identifiers of the authorization servers (default: the verifier's configured issuers). */
  authorizationServers?: readonly string[] | undefined;
  /** The scopes this resource understands, e.g. for an MCP client to request. */
  scopesSupported?: readonly string[] | undefined;
  /** Default: `header`, plus `body`/`query` when the verifier allows them. */
  bearerMethodsSupported?: readonly BearerMethod[] | undefined;
  /** Human-readable name of the resource. */
  resourceName?: string | undefined;
  /** URL of documentation for developers. */
  resourceDocumentation?: string | undefined;
  resourcePolicyUri?: string | undefined;
  resourceTosUri?: string | undefined;
  /** The resource's own JWKS (for signed responses or encrypted requests), if it has one. */
  jwksUri?: string | undefined;
  /** RFC 9728 `resource_signing_alg_values_supported`. */
  resourceSigningAlgValuesSupported?: readonly string[] | undefined;
  /** RFC 8705: the resource supports mTLS certificate-bound access tokens. */
  tlsClientCertificateBoundAccessTokens?: boolean | undefined;
  /** RFC 9449 `dpop_signing_alg_values_supported`. */
  dpopSigningAlgValuesSupported?: readonly string[] | undefined;
  /** RFC 9449: the resource always requires DPoP-bound tokens. */
  dpopBoundAccessTokensRequired?: boolean | undefined;
  /** Seconds clients and proxies may cache the document (`Cache-Control: public, max-age`). Default 3600. */
  cacheMaxAge?: number | undefined;
}

/** Every key {@link ResourceMetadataOptions} may hold. */
export const RESOURCE_METADATA_OPTION_KEYS = [
  'resource', 'authorizationServers', 'scopesSupported', 'bearerMethodsSupported', 'resourceName',
  'resourceDocumentation', 'resourcePolicyUri', 'resourceTosUri', 'jwksUri', 'resourceSigningAlgValuesSupported',
  'tlsClientCertificateBoundAccessTokens', 'dpopSigningAlgValuesSupported', 'dpopBoundAccessTokensRequired',
  'cacheMaxAge',
] as const;

/** The RFC 9728 §2 document, with its registered member names. */
export interface ResourceMetadataDocument {
  resource: string;
  authorization_servers?: readonly string[];
  jwks_uri?: string;
  scopes_supported?: readonly string[];
  bearer_methods_supported?: readonly BearerMethod[];
  resource_signing_alg_values_supported?: readonly string[];
  resource_name?: string;
  resource_documentation?: string;
  resource_policy_uri?: string;
  resource_tos_uri?: string;
  tls_client_certificate_bound_access_tokens?: boolean;
  dpop_signing_alg_values_supported?: readonly string[];
  dpop_bound_access_tokens_required?: boolean;
}

/** Status, headers and body of an answer on the metadata path; adapters write it as it is. */
export interface MetadataResponse {
  status: 200 | 204 | 405;
  headers: Record<string, string>;
  /** The JSON text; empty for 204. */
  body: string;
}

/** What a verifier knows besides the options, to fill the defaults. */
export interface ResourceMetadataDefaults {
  authorizationServers?: readonly string[] | undefined;
  bearerMethodsSupported?: readonly BearerMethod[] | undefined;
}

const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';
// The charset parameter as every Portcullis JSON answer has it (and as Fastify writes it anyway).
const JSON_TYPE = 'application/json; charset=utf-8';

function fail(option: string, message: string): never {
  throw new TypeError(`Portcullis: option "${option}" ${message}`);
}

function url(value: unknown, option: string): string {
  if (typeof value !== 'string') fail(option, 'must be a URL string');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail(option, `must be an absolute URL (got ${JSON.stringify(value)})`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') fail(option, 'must be an http(s) URL');
  return value;
}

function strings(value: unknown, option: string, allowed?: readonly string[]): readonly string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    fail(option, 'must be a list of non-empty strings');
  }
  for (const entry of value as string[]) {
    if (allowed !== undefined && !allowed.includes(entry)) fail(option, `has ${JSON.stringify(entry)}; allowed: ${allowed.join(', ')}`);
  }
  return Object.freeze([...(value as string[])]);
}

function text(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '') fail(option, 'must be a non-empty string');
  return value;
}

function flag(value: unknown, option: string): boolean {
  if (typeof value !== 'boolean') fail(option, 'must be a boolean');
  return value;
}

/**
 * A resource's metadata, checked once: the document, its well-known URL, and the answers on that
 * path. Build one with {@link createResourceMetadata}, or let the verifier build it from its
 * `resourceMetadata` option (`verifier.resourceMetadata`).
 */
export class ResourceMetadata {
  /** The resource identifier, exactly as configured. */
  readonly resource: string;
  /** The metadata URL every challenge names in `resource_metadata` (RFC 9728 §5.1). */
  readonly url: string;
  /** The path part of {@link url}: where adapters serve the document. */
  readonly path: string;
  readonly document: Readonly<ResourceMetadataDocument>;
  readonly #body: string;
  readonly #cacheControl: string;

  constructor(options: ResourceMetadataOptions, defaults: ResourceMetadataDefaults = {}, option = 'resourceMetadata') {
    if (typeof options !== 'object' || options === null) fail(option, 'must be an object with at least "resource"');
    rejectUnknownKeys(options, RESOURCE_METADATA_OPTION_KEYS, option);
    const name = (key: string): string => `${option}.${key}`;
    const resource = url(options.resource, name('resource'));
    if (resource.includes('#')) fail(name('resource'), 'must not contain a fragment (RFC 9728 §1.2)');
    const o = options;
    const document: ResourceMetadataDocument = { resource };
    const servers = o.authorizationServers ?? defaults.authorizationServers;
    if (servers !== undefined) {
      const list = strings(servers, name('authorizationServers'));
      list.forEach((server, i) => url(server, `${name('authorizationServers')}[${i}]`));
      document.authorization_servers = list;
    }
    if (o.jwksUri !== undefined) document.jwks_uri = url(o.jwksUri, name('jwksUri'));
    if (o.scopesSupported !== undefined) {
      const scopes = strings(o.scopesSupported, name('scopesSupported'));
      for (const scope of scopes) {
        if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) fail(name('scopesSupported'), `has ${JSON.stringify(scope)}, not an RFC 6749 §3.3 scope token`);
      }
      document.scopes_supported = scopes;
    }
    const methods = o.bearerMethodsSupported ?? defaults.bearerMethodsSupported;
    if (methods !== undefined) {
      document.bearer_methods_supported = strings(methods, name('bearerMethodsSupported'), ['header', 'body', 'query']) as readonly BearerMethod[];
    }
    if (o.resourceSigningAlgValuesSupported !== undefined) {
      document.resource_signing_alg_values_supported = strings(o.resourceSigningAlgValuesSupported, name('resourceSigningAlgValuesSupported'));
    }
    if (o.resourceName !== undefined) document.resource_name = text(o.resourceName, name('resourceName'));
    if (o.resourceDocumentation !== undefined) document.resource_documentation = url(o.resourceDocumentation, name('resourceDocumentation'));
    if (o.resourcePolicyUri !== undefined) document.resource_policy_uri = url(o.resourcePolicyUri, name('resourcePolicyUri'));
    if (o.resourceTosUri !== undefined) document.resource_tos_uri = url(o.resourceTosUri, name('resourceTosUri'));
    if (o.tlsClientCertificateBoundAccessTokens !== undefined) {
      document.tls_client_certificate_bound_access_tokens = flag(o.tlsClientCertificateBoundAccessTokens, name('tlsClientCertificateBoundAccessTokens'));
    }
    if (o.dpopSigningAlgValuesSupported !== undefined) {
      document.dpop_signing_alg_values_supported = strings(o.dpopSigningAlgValuesSupported, name('dpopSigningAlgValuesSupported'));
    }
    if (o.dpopBoundAccessTokensRequired !== undefined) {
      document.dpop_bound_access_tokens_required = flag(o.dpopBoundAccessTokensRequired, name('dpopBoundAccessTokensRequired'));
    }
    const maxAge = o.cacheMaxAge ?? 3600;
    if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0) fail(name('cacheMaxAge'), 'must be a whole number of seconds ≥ 0');

    this.resource = resource;
    this.url = resourceMetadataUrl(resource);
    const parsed = new URL(this.url);
    this.path = parsed.pathname;
    this.document = Object.freeze(document);
    this.#body = JSON.stringify(document);
    this.#cacheControl = maxAge === 0 ? 'no-cache' : `public, max-age=${maxAge}`;
    Object.freeze(this);
  }

  /** True when a request target (`/path?query`, as in `req.url`) is the metadata path. */
  matches(target: string): boolean {
    const q = target.indexOf('?');
    return (q === -1 ? target : target.slice(0, q)) === this.path;
  }

  /**
   * The answer on the metadata path: 200 with the JSON document for GET and HEAD, 204 for a CORS
   * preflight (OPTIONS), 405 with `Allow` for any other method. Every answer allows any origin, so
   * that browser-based clients can read it; the document is public.
   */
  respond(method: string): MetadataResponse {
    const cors = { 'Access-Control-Allow-Origin': '*' };
    const upper = method.toUpperCase();
    if (upper === 'GET' || upper === 'HEAD') {
      return {
        status: 200,
        headers: {
          ...cors,
          'Content-Type': JSON_TYPE,
          'Cache-Control': this.#cacheControl,
          'Content-Length': String(Buffer.byteLength(this.#body)),
        },
        body: this.#body,
      };
    }
    if (upper === 'OPTIONS') {
      return {
        status: 204,
        headers: {
          ...cors,
          'Access-Control-Allow-Methods': ALLOWED_METHODS,
          // MCP clients send MCP-Protocol-Version with the fetch, which makes browsers preflight.
          'Access-Control-Allow-Headers': '*',
          'Access-Control-Max-Age': '86400',
        },
        body: '',
      };
    }
    const body = JSON.stringify({ error: 'method_not_allowed', error_description: 'the metadata is read with GET' });
    return {
      status: 405,
      headers: {
        ...cors,
        Allow: ALLOWED_METHODS,
        'Content-Type': JSON_TYPE,
        'Cache-Control': 'no-store',
        'Content-Length': String(Buffer.byteLength(body)),
      },
      body,
    };
  }

  /** The answer for a request on the metadata path, or undefined for any other path. */
  serve(request: { method?: string | undefined; url?: string | undefined }): MetadataResponse | undefined {
    return this.matches(request.url ?? '/') ? this.respond(request.method ?? 'GET') : undefined;
  }
}

/**
 * Checks the options and builds the metadata, for serving it where no verifier is at hand. A wrong
 * option is a `TypeError` naming it.
 *
 * @example
 * ```ts
 * const metadata = createResourceMetadata({ resource: 'https://api.example.com', authorizationServers: ['https://auth.example.com/'] });
 * metadata.url; // 'https://api.example.com/.well-known/oauth-protected-resource'
 * ```
 */
export function createResourceMetadata(options: ResourceMetadataOptions): ResourceMetadata {
  return new ResourceMetadata(options, {}, 'resourceMetadata');
}

