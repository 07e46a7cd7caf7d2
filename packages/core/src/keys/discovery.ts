/**
 * Finds an issuer's `jwks_uri` or `introspection_endpoint` from its metadata: RFC 8414
 * authorization-server metadata first, then OpenID Connect discovery. The metadata must name the configured issuer exactly (RFC 8414 §3.3).
 */
import { performance } from 'node:perf_hooks';
import { diagnoseIssuer } from '../routing/issuer-diagnosis.js';
import { FetchError, displayUrl, fetchJson, isLoopbackHost } from '../lib/fetch-json.js';

/** Why discovery failed. Stable: safe to log and count. */
export type DiscoveryErrorKind =
  | 'fetch_failed'
  | 'invalid_metadata'
  | 'issuer_mismatch'
  | 'invalid_jwks_uri'
  | 'invalid_introspection_endpoint';

/**
 * Discovery found no acceptable metadata. `kind` is the first failure other than `fetch_failed` (a
 * document found but unacceptable), else `fetch_failed`; `attempts` lists each document's failure in
 * order; `cause` is the last fetch error. Never holds a response body.
 *
 * @example
 * ```ts
 * verifier.on('discovery_failed', ({ error }) => {
 *   if (error instanceof DiscoveryError && error.kind === 'issuer_mismatch') console.error('check the issuer URL');
 * });
 * ```
 */
export class DiscoveryError extends Error {
  readonly kind: DiscoveryErrorKind;
  readonly attempts: readonly { url: string; kind: DiscoveryErrorKind; error: Error | undefined }[];
  constructor(
    kind: DiscoveryErrorKind,
    message: string,
    attempts: DiscoveryError['attempts'] = [],
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.attempts = attempts;
  }
  override get name(): string {
    return 'DiscoveryError';
  }
}

/** Options of {@link discoverJwksUri}. */
export interface DiscoveryOptions {
  /** Milliseconds for the whole discovery, every document tried included. */
  timeout: number;
  /** Largest metadata document, in bytes. Default 64 KiB. */
  maxBytes?: number | undefined;
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
}

const DEFAULT_MAX_BYTES = 64 * 1024;

/**
 * The metadata URLs tried for `issuer`, in order: RFC 8414 §3.1 (the well-known segment goes between
 * the host and the issuer's path), then OpenID Connect Discovery 1.0 §4 (appended to the issuer).
 *
 * @throws `TypeError` when `issuer` is not an https URL (http only on loopback) without query or fragment.
 * @example
 * ```ts
 * metadataUrls('https://h.example/realms/x');
 * // ['https://h.example/.well-known/oauth-authorization-server/realms/x',
 * //  'https://h.example/realms/x/.well-known/openid-configuration']
 * ```
 */
export function metadataUrls(issuer: string): [string, string] {
  const url = checkedIssuer(issuer);
  const path = url.pathname === '/' ? '' : url.pathname;
  const rfc8414 = `${url.origin}/.well-known/oauth-authorization-server${path}`;
  const oidc = `${issuer.endsWith('/') ? issuer.slice(0, -1) : issuer}/.well-known/openid-configuration`;
  return [rfc8414, oidc];
}

/**
 * Discovers the issuer's `jwks_uri`. Each metadata document is fetched without redirects and
 * size-capped, all of them within one `timeout` budget. A document is accepted only when its `issuer`
 * equals `issuer` exactly and its `jwks_uri` is an https URL (http only on a loopback host); otherwise
 * the next document is tried.
 *
 * @throws {@link DiscoveryError} when no document is acceptable; `TypeError` for an invalid issuer.
 * @example
 * ```ts
 * const jwksUri = await discoverJwksUri('https://auth.example.com/', { timeout: 5_000 });
 * ```
 */
export async function discoverJwksUri(issuer: string, options: DiscoveryOptions): Promise<string> {
  return discoverEndpoint(issuer, 'jwks_uri', 'invalid_jwks_uri', options);
}

/**
 * Discovers the issuer's RFC 7662 `introspection_endpoint` (RFC 8414 §2), the same way and with the
 * same checks as {@link discoverJwksUri}: the metadata must name `issuer` exactly, and the endpoint
 * must be https (http only on a loopback host), since RFC 7662 §4 requires TLS.
 *
 * @throws {@link DiscoveryError} when no document is acceptable; `TypeError` for an invalid issuer.
 * @example
 * ```ts
 * const endpoint = await discoverIntrospectionEndpoint('https://auth.example.com/', { timeout: 5_000 });
 * ```
 */
export async function discoverIntrospectionEndpoint(issuer: string, options: DiscoveryOptions): Promise<string> {
  return discoverEndpoint(issuer, 'introspection_endpoint', 'invalid_introspection_endpoint', options);
}

async function discoverEndpoint(
  issuer: string,
  member: string,
  invalidKind: DiscoveryErrorKind,
  options: DiscoveryOptions,
): Promise<string> {
  const urls = metadataUrls(issuer);
  const attempts: { url: string; kind: DiscoveryErrorKind; error: Error | undefined; note?: string | undefined }[] = [];
  const deadline = performance.now() + options.timeout;
  for (const url of urls) {
    const remaining = Math.ceil(deadline - performance.now());
    if (remaining <= 0) {
      attempts.push({ url, kind: 'fetch_failed', error: new FetchError('timeout', url, 'discovery time budget spent') });
      break;
    }
    let metadata: unknown;
    try {
      metadata = await fetchJson(url, {
        timeout: remaining,
        maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
        signal: options.signal,
        fetch: options.fetch,
        telemetry: 'discovery',
      });
    } catch (err) {
      attempts.push({ url, kind: 'fetch_failed', error: err instanceof Error ? err : undefined });
      // Aborted by the owner: do not try the next document.
      if (err instanceof FetchError && err.kind === 'aborted') break;
      continue;
    }
    const problem = checkMetadata(metadata, issuer, member, invalidKind);
    if (typeof problem === 'string') return problem;
    attempts.push({ url, kind: problem.kind, error: undefined, note: problem.note });
  }
  // A document found but unacceptable says more than a missing one.
  const kind = attempts.find((a) => a.kind !== 'fetch_failed')?.kind ?? 'fetch_failed';
  const last = attempts[attempts.length - 1];
  const summary = attempts.map((a) => `${displayUrl(new URL(a.url))}: ${a.kind}${a.note === undefined ? '' : ` (${a.note})`}`).join('; ');
  throw new DiscoveryError(kind, `discovery failed for ${issuer} (${summary})`, attempts, last?.error);
}

/** The endpoint URL if the metadata is acceptable for `issuer`, else why not. */
function checkMetadata(
  metadata: unknown,
  issuer: string,
  member: string,
  invalidKind: DiscoveryErrorKind,
): string | { kind: DiscoveryErrorKind; note?: string | undefined } {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return { kind: 'invalid_metadata' };
  const record = metadata as Record<string, unknown>;
  // RFC 8414 §3.3: exactly. A near miss (trailing slash, scheme, localhost, case) is named in the message.
  if (record['issuer'] !== issuer) return { kind: 'issuer_mismatch', note: diagnoseIssuer([issuer], record['issuer'], 'the metadata') };
  const uri = record[member];
  if (typeof uri !== 'string' || !isAcceptableJwksUri(uri)) return { kind: invalidKind };
  return new URL(uri).href;
}

/**
 * Whether a URL may serve keys (or introspect tokens): https, or http on a loopback host; no
 * credentials, no fragment.
 *
 * @example
 * ```ts
 * isAcceptableJwksUri('http://127.0.0.1:8080/jwks'); // true
 * isAcceptableJwksUri('http://auth.example.com/jwks'); // false
 * ```
 */
export function isAcceptableJwksUri(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

function checkedIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError('issuer must be an absolute URL');
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw new TypeError('issuer must not have a query or fragment (RFC 8414 §2)');
  }
  if (url.username !== '' || url.password !== '') throw new TypeError('issuer must not hold credentials');
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
    throw new TypeError('issuer must be an https URL (http only on a loopback host) to be discovered');
  }
  return url;
}
