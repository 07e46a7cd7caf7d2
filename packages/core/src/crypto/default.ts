/**
 * The one place the signature backend is chosen. Every caller asks {@link signatureBackend}.
 *
 * - node:crypto on Node and Bun: synchronous, so a token whose key is cached is judged without an await.
 * - WebCrypto on workerd (Cloudflare Workers, and miniflare locally): its node:crypto (`nodejs_compat`)
 *   imports keys and verifies RS256 and EdDSA but throws on RSA-PSS and P1363 ECDSA.
 * - WebCrypto on Deno: its node:crypto is a compatibility layer that verifies everything but RS256 and
 *   ES256 at a third to a half of its own `crypto.subtle`'s rate (test/bench/results-runtimes.md).
 *
 * Told by feature detection (`navigator.userAgent` is `Cloudflare-Workers` on workerd; `Deno.version`),
 * not by an export condition: workerd and Deno both *have* a node:crypto, so nothing is missing to
 * detect by absence, and a `workerd` condition depends on the bundler passing it (wrangler does; a
 * plain esbuild or Vite build for Workers may not), while the detection is right in every bundle.
 */
import type { SignatureBackend } from './backend.js';
import { nodeBackend } from './node.js';
import { webCryptoBackend } from './webcrypto-backend.js';

/** Whether this is workerd, whose node:crypto cannot verify every JWS algorithm. */
export function isWorkerd(): boolean {
  const navigator = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
  return navigator?.userAgent === 'Cloudflare-Workers';
}

/** Whether this is Deno, whose WebCrypto verifies faster than its node:crypto layer. */
export function isDeno(): boolean {
  const deno = (globalThis as { Deno?: { version?: { deno?: unknown } } }).Deno;
  return typeof deno?.version?.deno === 'string';
}

const current: SignatureBackend = isWorkerd() || isDeno() ? webCryptoBackend : nodeBackend;

/**
 * The signature backend the verifier uses.
 *
 * @example
 * ```ts
 * const ok = signatureBackend().verify('ES256', key, signingInput, signature);
 * ```
 */
export function signatureBackend(): SignatureBackend {
  return current;
}
