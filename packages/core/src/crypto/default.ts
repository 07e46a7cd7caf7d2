/**
 * The one place the signature backend is chosen. Every caller asks {@link signatureBackend}; a runtime
 * without node:crypto (issue 19) changes this module (an export condition or feature detection), not
 * the callers.
 */
import type { SignatureBackend } from './backend.js';
import { nodeBackend } from './node.js';

const current: SignatureBackend = nodeBackend;

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
