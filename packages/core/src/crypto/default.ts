/**
 * The one place the signature backend is chosen. Every caller asks {@link signatureBackend}.
 *
 * node:crypto everywhere it verifies every algorithm: Node, Bun and Deno (synchronous, so a token whose
 * key is cached is judged without an await). WebCrypto on workerd (Cloudflare Workers, and miniflare
 * locally), told by feature detection: `navigator.userAgent` is `Cloudflare-Workers` there. Detection
 * rather than a `workerd` export condition, because workerd *has* a node:crypto (with `nodejs_compat`)
 * that imports keys and verifies RS256 and EdDSA but throws on RSA-PSS and P1363 ECDSA, so nothing
 * is missing to detect by absence, and because a condition depends on the bundler passing `workerd`
 * (wrangler does; a plain esbuild or Vite build for Workers may not): the user agent is right in every bundle.
 */
import type { SignatureBackend } from './backend.js';
import { nodeBackend } from './node.js';
import { webCryptoBackend } from './webcrypto-backend.js';

/** Whether this is workerd, whose node:crypto cannot verify every JWS algorithm. */
export function isWorkerd(): boolean {
  const navigator = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
  return navigator?.userAgent === 'Cloudflare-Workers';
}

const current: SignatureBackend = isWorkerd() ? webCryptoBackend : nodeBackend;

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
