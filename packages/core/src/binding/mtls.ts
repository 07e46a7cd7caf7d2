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
}

/** Every key {@link MtlsOptions} may hold. */
export const MTLS_OPTION_KEYS = ['certificateHeader', 'certificateHeaderFormat'] as const;

export interface ResolvedMtls {
  readonly header: string | undefined;
  readonly format: CertificateHeaderFormat;
}

const FORMATS: readonly CertificateHeaderFormat[] = ['rfc9440', 'pem', 'url-encoded-pem', 'xfcc'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Largest certificate header read; real client certificates are a few KiB. */
const MAX_HEADER_LENGTH = 16 * 1024;

/** Validates the `mtls` option. */
export function resolveMtlsOptions(value: MtlsOptions | undefined): ResolvedMtls {
  if (value === undefined) return { header: undefined, format: 'rfc9440' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('Portcullis: option "mtls" must be an object');
  rejectUnknownKeys(value, MTLS_OPTION_KEYS, 'mtls');
  const { certificateHeader, certificateHeaderFormat } = value;
  if (certificateHeader !== undefined && (typeof certificateHeader !== 'string' || !HEADER_NAME.test(certificateHeader))) {
    throw new TypeError('Portcullis: option "mtls.certificateHeader" must be a header name');
  }
  if (certificateHeaderFormat !== undefined && !FORMATS.includes(certificateHeaderFormat)) {
    throw new TypeError(`Portcullis: option "mtls.certificateHeaderFormat" must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}`);
  }
  return { header: certificateHeader?.toLowerCase(), format: certificateHeaderFormat ?? 'rfc9440' };
}

function pemToDer(pem: string): Buffer | undefined {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (match === null) return undefined;
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

function decodeHeader(value: string, format: CertificateHeaderFormat): Buffer | undefined {
  switch (format) {
    case 'rfc9440': {
      // An RFC 8941 byte sequence: ':' base64 ':'.
      const match = /^:([A-Za-z0-9+/]+={0,2}):$/.exec(value.trim());
      return match === null ? undefined : Buffer.from(match[1]!, 'base64');
    }
    case 'pem':
      return pemToDer(value);
    case 'url-encoded-pem':
      try {
        return pemToDer(decodeURIComponent(value));
      } catch {
        return undefined;
      }
    case 'xfcc': {
      // One element per proxy hop, comma-separated; a client certificate is only trusted alone.
      const cert = /(?:^|;)\s*Cert="([^"]*)"/.exec(value);
      if (cert === null || /",\s*[A-Za-z]+=/.test(value)) return undefined;
      try {
        return pemToDer(decodeURIComponent(cert[1]!));
      } catch {
        return undefined;
      }
    }
  }
}

/**
 * The DER client certificate of this request, from the configured header or else the TLS socket.
 * Undefined when there is none or the header does not hold exactly one well-formed certificate.
 */
export function clientCertificate(request: RequestDescriptor, settings: ResolvedMtls): Uint8Array | undefined {
  if (settings.header === undefined) return request.peerCertificate?.();
  const raw = request.headers[settings.header];
  if (raw === undefined || Array.isArray(raw) || raw.length > MAX_HEADER_LENGTH) return undefined;
  const der = decodeHeader(raw, settings.format);
  if (der === undefined || der.length === 0) return undefined;
  try {
    // Parsed to be sure it is a certificate and nothing trails it; the proxy already checked the chain.
    const parsed = new X509Certificate(der);
    return parsed.raw.equals(der) ? der : undefined;
  } catch {
    return undefined;
  }
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
