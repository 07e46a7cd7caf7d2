import { describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, generateSecret, exportJWK as exportSecret } from 'jose';
import { isDeno, isWorkerd, signatureBackend } from '../src/crypto/default.js';
import { nodeBackend } from '../src/crypto/node.js';
import { webCryptoBackend } from '../src/crypto/webcrypto-backend.js';
import { importWebCryptoKey, subtleCrypto, verifyHmacWebCrypto, verifyWebCrypto, type WebCryptoPublicJwk } from '../src/crypto/webcrypto.js';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** A jose-signed compact JWS split into what the verifier hands a backend. */
function parts(jws: string): { signingInput: Uint8Array; signature: Uint8Array } {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  return { signingInput: new TextEncoder().encode(`${header}.${payload}`), signature: Buffer.from(signature, 'base64url') };
}

function publicMembers(jwk: Record<string, unknown>): WebCryptoPublicJwk {
  if (jwk['kty'] === 'RSA') return { kty: 'RSA', n: jwk['n'] as string, e: jwk['e'] as string };
  if (jwk['kty'] === 'EC') return { kty: 'EC', crv: jwk['crv'] as string, x: jwk['x'] as string, y: jwk['y'] as string };
  return { kty: 'OKP', crv: jwk['crv'] as string, x: jwk['x'] as string };
}

async function signed(alg: string) {
  const keyAlg = alg === 'Ed25519' ? 'Ed25519' : alg;
  const { publicKey, privateKey } = await generateKeyPair(keyAlg, { extractable: true });
  const jwk = publicMembers((await exportJWK(publicKey)));
  const token = await new SignJWT({ sub: 'user-1', scope: 'read' }).setProtectedHeader({ alg, typ: 'at+jwt' }).setIssuedAt().sign(privateKey);
  return { jwk, token, holder: { kid: alg } };
}

describe('WebCrypto signature verification (globalThis.crypto.subtle, against jose-made tokens)', () => {
  it('happy flow: the runtime has crypto.subtle', () => {
    expect(subtleCrypto()).toBe(globalThis.crypto.subtle);
  });

  for (const alg of ASYMMETRIC) {
    it(`happy flow: verifies a jose ${alg} token`, async () => {
      const { jwk, token, holder } = await signed(alg);
      const { signingInput, signature } = parts(token);
      await expect(verifyWebCrypto(alg, holder, jwk, signingInput, signature)).resolves.toBe(true);
    });

    it(`error flow: refuses a ${alg} token whose payload was changed, or signed by another key`, async () => {
      const { jwk, token, holder } = await signed(alg);
      const { signingInput, signature } = parts(token);
      const tampered = Uint8Array.from(signingInput);
      tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 1;
      await expect(verifyWebCrypto(alg, holder, jwk, tampered, signature)).resolves.toBe(false);
      const other = await signed(alg);
      await expect(verifyWebCrypto(alg, other.holder, other.jwk, signingInput, signature)).resolves.toBe(false);
    });
  }

  it('error flow: an ECDSA signature of the wrong length (DER, or one byte short) is refused before WebCrypto', async () => {
    const { jwk, token, holder } = await signed('ES256');
    const { signingInput, signature } = parts(token);
    await expect(verifyWebCrypto('ES256', holder, jwk, signingInput, signature.subarray(0, 63))).resolves.toBe(false);
    await expect(verifyWebCrypto('ES256', holder, jwk, signingInput, Buffer.concat([signature, Buffer.from([0])]))).resolves.toBe(false);
  });

  it('error flow: an algorithm that does not fit the key, an unknown one and HS* on a public key are refused', async () => {
    const rsa = await signed('RS256');
    const { signingInput, signature } = parts(rsa.token);
    await expect(verifyWebCrypto('PS256', rsa.holder, rsa.jwk, signingInput, signature)).resolves.toBe(false);
    await expect(verifyWebCrypto('ES256', rsa.holder, rsa.jwk, signingInput, signature)).resolves.toBe(false);
    await expect(verifyWebCrypto('none', rsa.holder, rsa.jwk, signingInput, signature)).resolves.toBe(false);
    await expect(verifyWebCrypto('HS256', rsa.holder, rsa.jwk, signingInput, signature)).resolves.toBe(false);
    await expect(verifyWebCrypto('toString', rsa.holder, rsa.jwk, signingInput, signature)).resolves.toBe(false);
  });

  it('error flow: members that form no key resolve to false, never a rejection', async () => {
    const holder = {};
    const bogus: WebCryptoPublicJwk = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' };
    await expect(importWebCryptoKey(holder, bogus, 'ES256')).resolves.toBeUndefined();
    await expect(verifyWebCrypto('ES256', holder, bogus, new Uint8Array(10), new Uint8Array(64))).resolves.toBe(false);
  });

  it('imports a key once per holder and algorithm, and again for another algorithm', async () => {
    const { jwk, holder } = await signed('RS256');
    const first = importWebCryptoKey(holder, jwk, 'RS256');
    expect(importWebCryptoKey(holder, jwk, 'RS256')).toBe(first);
    const pss = importWebCryptoKey(holder, jwk, 'PS256');
    expect(pss).not.toBe(first);
    const [pkcs1Key, pssKey] = await Promise.all([first, pss]);
    expect(pkcs1Key?.algorithm.name).toBe('RSASSA-PKCS1-v1_5');
    expect(pssKey?.algorithm.name).toBe('RSA-PSS');
    expect(pkcs1Key?.usages).toEqual(['verify']);
  });

  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    it(`HMAC: verifies a jose ${alg} token with its secret and refuses it with another`, async () => {
      const secret = await generateSecret(alg, { extractable: true });
      const bytes = Buffer.from((await exportSecret(secret)).k!, 'base64url');
      const token = await new SignJWT({ sub: 'user-1' }).setProtectedHeader({ alg }).sign(secret);
      const { signingInput, signature } = parts(token);
      await expect(verifyHmacWebCrypto(alg, {}, bytes, signingInput, signature)).resolves.toBe(true);
      const other = Buffer.from(bytes);
      other[0] = other[0]! ^ 1;
      await expect(verifyHmacWebCrypto(alg, {}, other, signingInput, signature)).resolves.toBe(false);
      await expect(verifyHmacWebCrypto('RS256', {}, bytes, signingInput, signature)).resolves.toBe(false);
    });
  }
});

describe('the WebCrypto backend behind the signature interface', () => {
  it('on Node the verifier keeps node:crypto (synchronous); workerd and Deno are told by feature detection', () => {
    expect(isWorkerd()).toBe(false);
    expect(isDeno()).toBe(false);
    expect(signatureBackend()).toBe(nodeBackend);
    expect(nodeBackend.name).toBe('node:crypto');
    expect(webCryptoBackend.name).toBe('webcrypto');
  });

  for (const alg of ['RS256', 'PS384', 'ES512', 'EdDSA'] as const) {
    it(`imports a JWKS key with the shared checks and verifies a jose ${alg} token asynchronously`, async () => {
      const { jwk, token } = await signed(alg);
      const key = webCryptoBackend.importKey(jwk, { kid: 'k1', alg: undefined, modulusBits: jwk.kty === 'RSA' ? 2048 : undefined });
      expect(key).toMatchObject({ kid: 'k1', kty: jwk.kty });
      const { signingInput, signature } = parts(token);
      const verdict = webCryptoBackend.verify(alg, key!, signingInput, signature);
      expect(verdict).toBeInstanceOf(Promise);
      await expect(verdict).resolves.toBe(true);
      const other = await signed(alg);
      await expect(webCryptoBackend.verify(alg, key!, parts(other.token).signingInput, parts(other.token).signature)).resolves.toBe(false);
    });
  }

  it('verifies with a key the node:crypto backend imported (its members read back from the KeyObject)', async () => {
    const { jwk, token } = await signed('ES256');
    const key = nodeBackend.importKey(jwk, { kid: undefined, alg: 'ES256', modulusBits: undefined });
    const { signingInput, signature } = parts(token);
    await expect(webCryptoBackend.verify('ES256', key!, signingInput, signature)).resolves.toBe(true);
  });
});
