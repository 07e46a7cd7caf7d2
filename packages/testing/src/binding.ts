/**
 * The `cnf` claim of sender-constrained tokens the fake issuer mints: `jkt` for DPoP (RFC 9449 §6.1)
 * and `x5t#S256` for a client certificate (RFC 8705 §3.1).
 */
import { X509Certificate, createHash } from 'node:crypto';
import type { TestCertificate } from './certificates.js';
import type { DpopKey } from './dpop-key.js';

/**
 * What a token may be bound to: a DPoP key (or its thumbprint) and/or a client certificate (a
 * {@link TestCertificate}, PEM text or DER bytes).
 *
 * @example
 * ```ts
 * const binding: TokenBinding = { dpopKey: createDpopKey(), certificate: client };
 * ```
 */
export interface TokenBinding {
  dpopKey?: DpopKey | string | undefined;
  certificate?: TestCertificate | string | Uint8Array | undefined;
}

function certificateDer(certificate: TestCertificate | string | Uint8Array): Buffer {
  if (typeof certificate === 'string') return new X509Certificate(certificate).raw;
  if (certificate instanceof Uint8Array) return Buffer.from(certificate);
  return certificate.der;
}

/**
 * The `cnf` members for a binding, merged over any `cnf` the claims already have; undefined when the
 * binding names nothing.
 *
 * @example
 * ```ts
 * bindingConfirmation({ dpopKey: key }, undefined); // { jkt: key.thumbprint }
 * ```
 */
export function bindingConfirmation(binding: TokenBinding, existing: unknown): Record<string, unknown> | undefined {
  if (binding.dpopKey === undefined && binding.certificate === undefined) return undefined;
  const cnf: Record<string, unknown> = typeof existing === 'object' && existing !== null ? { ...(existing as Record<string, unknown>) } : {};
  if (binding.dpopKey !== undefined) cnf.jkt = typeof binding.dpopKey === 'string' ? binding.dpopKey : binding.dpopKey.thumbprint;
  if (binding.certificate !== undefined) {
    cnf['x5t#S256'] = createHash('sha256').update(certificateDer(binding.certificate)).digest('base64url');
  }
  return cnf;
}
