/**
 * Certificate-bound access tokens (RFC 8705 §3): a token whose `cnf["x5t#S256"]` is set is good only on
 * a request made with that client certificate. The certificate comes from this server's own TLS socket;
 * only when the user names a header (`mtls.certificateHeader`) does it come from a TLS-terminating proxy,
 * and then only from that header: every other certificate header is ignored.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { rejectUnknownKeys } from '../lib/known-keys.js';
import type { RequestDescriptor } from '../types.js';

/** How a proxy forwards the client certificate; see {@link MtlsOptions.certificateHeaderFormat}. */
export type CertificateHeaderFormat = 'rfc9440' | 'pem' | 'url-encoded-pem' | 'xfcc';

/** Options of certificate-bound tokens; the verifier's `mtls` option. */
export interface MtlsOptions {
  /**
   * Read the client certificate from this request header, set by a TLS-terminating proxy you trust and
   * that removes any such header the client sent (e.g. `'client-cert'`, `'x-ssl-client-cert'`,
   * `'x-forwarded-client-cert'`). Default: none, only the TLS socket's own certificate counts.
   */
  certificateHeader?: string | undefined;
  /**
   * The header's format: `'rfc9440'` (default; RFC 9440 `Client-Cert: :<base64 DER>:`), `'pem'`,
   * `'url-encoded-pem'` (nginx `$ssl_client_escaped_cert`) or `'xfcc'` (Envoy's
   * `x-forwarded-client-cert`, its `Cert="…"` element).
   */
  certificateHeaderFormat?: CertificateHeaderFormat | undefined;
  /**
   * For `'xfcc'` only: how many proxies you trust append their own element to the header (Envoy's
   * `forward_client_cert_details: APPEND_FORWARD`). The certificate is then read from the element the
   * outermost of them appended, this many from the end; elements before it came from the client and are
   * never read. Default: none, and a header with more than one element is refused: run the proxy that
   * terminates the client's TLS with `SANITIZE_SET`, which replaces whatever the client sent.
   */
  xfccAppendingProxies?: number | undefined;
}

/** Every key {@link MtlsOptions} may hold. */
export const MTLS_OPTION_KEYS = ['certificateHeader', 'certificateHeaderFormat', 'xfccAppendingProxies'] as const;

export interface ResolvedMtls {
  readonly header: string | undefined;
  readonly format: CertificateHeaderFormat;
  /** The XFCC element read, counted from the end (1: the last); undefined: exactly one element allowed. */
  readonly xfccFromEnd: number | undefined;
}

/** Why a configured certificate header gave no certificate; undefined reason: the header is absent. */
export type ForwardedCertificate = { der: Uint8Array; invalid?: undefined } | { der?: undefined; invalid: boolean };

const FORMATS: readonly CertificateHeaderFormat[] = ['rfc9440', 'pem', 'url-encoded-pem', 'xfcc'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Largest certificate header read; real client certificates are a few KiB. */
const MAX_HEADER_LENGTH = 16 * 1024;

/** Validates the `mtls` option. */
export function resolveMtlsOptions(value: MtlsOptions | undefined): ResolvedMtls {
  if (value === undefined) return { header: undefined, format: 'rfc9440', xfccFromEnd: undefined };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('Portcullis: option "mtls" must be an object');
  rejectUnknownKeys(value, MTLS_OPTION_KEYS, 'mtls');
  const { certificateHeader, certificateHeaderFormat, xfccAppendingProxies } = value;
  if (certificateHeader !== undefined && (typeof certificateHeader !== 'string' || !HEADER_NAME.test(certificateHeader))) {
    throw new TypeError('Portcullis: option "mtls.certificateHeader" must be a header name');
  }
  if (certificateHeaderFormat !== undefined && !FORMATS.includes(certificateHeaderFormat)) {
    throw new TypeError(`Portcullis: option "mtls.certificateHeaderFormat" must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}`);
  }
  if (xfccAppendingProxies !== undefined) {
    if (typeof xfccAppendingProxies !== 'number' || !Number.isInteger(xfccAppendingProxies) || xfccAppendingProxies < 1 || xfccAppendingProxies > 16) {
      throw new TypeError('Portcullis: option "mtls.xfccAppendingProxies" must be an integer from 1 to 16');
    }
    if (certificateHeaderFormat !== 'xfcc') throw new TypeError('Portcullis: option "mtls.xfccAppendingProxies" needs certificateHeaderFormat \'xfcc\'');
  }
  return { header: certificateHeader?.toLowerCase(), format: certificateHeaderFormat ?? 'rfc9440', xfccFromEnd: xfccAppendingProxies };
}

// Exactly one PEM certificate and nothing else (whitespace aside): a second one is never skipped over.
const ONE_PEM = /^\s*-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----\s*$/;

function pemToDer(pem: string): Buffer | undefined {
  const match = ONE_PEM.exec(pem);
  if (match === null) return undefined;
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

function decodePercent(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * Envoy's `x-forwarded-client-cert` grammar: elements separated by commas, each a list of `key=value`
 * pairs separated by semicolons; a value holding `,`, `;` or `=` is double-quoted, with `\"` for a quote
 * inside. Separators count only outside quotes. Undefined for anything that does not parse: an unterminated
 * quote, text after a closing quote, a pair without `=` or with an empty key.
 */
export function parseXfcc(header: string): Array<Array<[string, string]>> | undefined {
  const elements: Array<Array<[string, string]>> = [];
  let pairs: Array<[string, string]> = [];
  let i = 0;
  const n = header.length;
  for (;;) {
    // key
    let eq = i;
    while (eq < n && header[eq] !== '=' && header[eq] !== ';' && header[eq] !== ',' && header[eq] !== '"') eq++;
    if (eq >= n || header[eq] !== '=') return undefined;
    const key = header.slice(i, eq).trim();
    if (key === '') return undefined;
    i = eq + 1;
    let value = '';
    // whitespace before a quoted value is tolerated; an unquoted value runs to the next separator
    let j = i;
    while (j < n && (header[j] === ' ' || header[j] === '\t')) j++;
    if (header[j] === '"') {
      j++;
      let closed = false;
      while (j < n) {
        const char = header[j]!;
        if (char === '\\' && j + 1 < n) {
          value += header[j + 1];
          j += 2;
        } else if (char === '"') {
          closed = true;
          j++;
          break;
        } else {
          value += char;
          j++;
        }
      }
      if (!closed) return undefined;
      while (j < n && (header[j] === ' ' || header[j] === '\t')) j++;
      if (j < n && header[j] !== ';' && header[j] !== ',') return undefined;
      i = j;
    } else {
      let end = i;
      while (end < n && header[end] !== ';' && header[end] !== ',') end++;
      value = header.slice(i, end).trim();
      if (value.includes('"') || value.includes('=')) return undefined;
      i = end;
    }
    pairs.push([key, value]);
    if (i >= n) {
      elements.push(pairs);
      return elements;
    }
    if (header[i] === ',') {
      elements.push(pairs);
      pairs = [];
    }
    i++;
  }
}

function decodeXfcc(value: string, fromEnd: number | undefined): Buffer | undefined {
  const elements = parseXfcc(value);
  if (elements === undefined) return undefined;
  // Without appending proxies, the header is the proxy's alone (SANITIZE_SET): one element, or none at all.
  if (fromEnd === undefined && elements.length !== 1) return undefined;
  const element = elements[elements.length - (fromEnd ?? 1)];
  if (element === undefined) return undefined;
  const certs = element.filter(([key]) => key.toLowerCase() === 'cert');
  if (certs.length !== 1) return undefined;
  const pem = decodePercent(certs[0]![1]);
  return pem === undefined ? undefined : pemToDer(pem);
}

function decodeHeader(value: string, settings: ResolvedMtls): Buffer | undefined {
  switch (settings.format) {
    case 'rfc9440': {
      // An RFC 8941 byte sequence: ':' base64 ':'.
      const match = /^:([A-Za-z0-9+/]+={0,2}):$/.exec(value.trim());
      return match === null ? undefined : Buffer.from(match[1]!, 'base64');
    }
    case 'pem':
      return pemToDer(value);
    case 'url-encoded-pem': {
      const pem = decodePercent(value);
      return pem === undefined ? undefined : pemToDer(pem);
    }
    case 'xfcc':
      return decodeXfcc(value, settings.xfccFromEnd);
  }
}

function headerLines(rawHeaders: readonly string[] | undefined, lowerName: string): number {
  if (rawHeaders === undefined) return 1;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) count++;
  }
  return count;
}

/**
 * The client certificate of this request, from the configured header or else the TLS socket. With a
 * header configured: `{ invalid: false }` when it is absent, `{ invalid: true }` when it is sent more than
 * once (Node would join the client's line and the proxy's) or does not hold exactly one well-formed
 * certificate where the format says it must be.
 */
export function forwardedCertificate(request: RequestDescriptor, settings: ResolvedMtls): ForwardedCertificate {
  if (settings.header === undefined) {
    const der = request.peerCertificate?.();
    return der === undefined ? { invalid: false } : { der };
  }
  const raw = request.headers[settings.header];
  if (raw === undefined) return { invalid: false };
  if (Array.isArray(raw) || raw.length > MAX_HEADER_LENGTH || headerLines(request.rawHeaders, settings.header) !== 1) return { invalid: true };
  const der = decodeHeader(raw, settings);
  if (der === undefined || der.length === 0) return { invalid: true };
  try {
    // Parsed to be sure it is a certificate and nothing trails it; the proxy already checked the chain.
    const parsed = new X509Certificate(der);
    return parsed.raw.equals(der) ? { der } : { invalid: true };
  } catch {
    return { invalid: true };
  }
}

/**
 * The DER client certificate of this request, from the configured header or else the TLS socket.
 * Undefined when there is none or the header does not hold exactly one well-formed certificate.
 *
 * @example
 * ```ts
 * const der = clientCertificate(descriptor, resolveMtlsOptions({ certificateHeader: 'client-cert' }));
 * ```
 */
export function clientCertificate(request: RequestDescriptor, settings: ResolvedMtls): Uint8Array | undefined {
  return forwardedCertificate(request, settings).der;
}

/**
 * `x5t#S256` of a DER certificate (RFC 8705 §3.1): base64url of its SHA-256.
 *
 * @example
 * ```ts
 * certificateThumbprint(new X509Certificate(pem).raw);
 * ```
 */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
