/**
 * The WebCrypto signature backend: keys pass the shared checks and are imported as by the node:crypto
 * backend (so a {@link VerificationKey} keeps its `keyObject` and modulus check), and signatures are
 * verified with `crypto.subtle` (webcrypto.ts), each key imported once per algorithm as a `CryptoKey`.
 * Chosen on workerd (crypto/default.ts), whose node:crypto imports keys but cannot verify RSA-PSS or
 * IEEE P1363 ECDSA signatures. Asynchronous: every verification is one await.
 */
import type { KeyFacts, PublicJwk, SignatureBackend, VerificationKey } from './backend.js';
import { nodeBackend } from './node.js';
import { verifyWebCrypto } from './webcrypto.js';

/** The public members each key was imported from: what `crypto.subtle.importKey` takes. */
const members = new WeakMap<VerificationKey, PublicJwk>();

function jwkOf(key: VerificationKey): PublicJwk | undefined {
  let jwk = members.get(key);
  if (jwk === undefined) {
    // A key made by another backend: its KeyObject says the same members.
    try {
      const exported = key.keyObject.export({ format: 'jwk' }) as Record<string, string>;
      jwk =
        key.kty === 'RSA'
          ? { kty: 'RSA', n: exported['n']!, e: exported['e']! }
          : key.kty === 'EC'
            ? { kty: 'EC', crv: exported['crv']!, x: exported['x']!, y: exported['y']! }
            : { kty: 'OKP', crv: exported['crv']!, x: exported['x']! };
      members.set(key, jwk);
    } catch {
      return undefined;
    }
  }
  return jwk;
}

/**
 * The WebCrypto backend.
 *
 * @example
 * ```ts
 * const ok = await webCryptoBackend.verify('PS256', key, signingInput, signature);
 * ```
 */
export const webCryptoBackend: SignatureBackend = Object.freeze({
  name: 'webcrypto',
  importKey(jwk: PublicJwk, facts: KeyFacts): VerificationKey | undefined {
    const key = nodeBackend.importKey(jwk, facts);
    if (key !== undefined) members.set(key, jwk);
    return key;
  },
  verify(alg: string, key: VerificationKey, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const jwk = jwkOf(key);
    if (jwk === undefined) return Promise.resolve(false);
    return verifyWebCrypto(alg, key, jwk, signingInput, signature);
  },
});
