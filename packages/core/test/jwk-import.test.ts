import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importVerificationKey, jwkFingerprint } from '../src/keys/jwk-import.js';
import { ecJwk, ed25519Jwk, rsaJwk } from './helpers/jwks-server.js';

const rsa2048 = rsaJwk('rsa-1');

describe('importVerificationKey', () => {
  it('happy flow: imports an RSA 2048 key with its kid, alg and modulus length', () => {
    const key = importVerificationKey({ ...rsa2048, alg: 'RS256', use: 'sig' });
    expect(key).toMatchObject({ kid: 'rsa-1', kty: 'RSA', crv: undefined, alg: 'RS256', modulusBits: 2048 });
    expect(key?.keyObject.type).toBe('public');
    expect(key?.keyObject.asymmetricKeyType).toBe('rsa');
  });

  it('happy flow: imports EC P-256, P-384, P-521 and OKP Ed25519 keys with their curves', () => {
    for (const namedCurve of ['P-256', 'P-384', 'P-521']) {
      const jwk = generateKeyPairSync('ec', { namedCurve }).publicKey.export({ format: 'jwk' });
      const key = importVerificationKey({ ...jwk, kid: namedCurve });
      expect(key).toMatchObject({ kty: 'EC', crv: namedCurve, kid: namedCurve, alg: undefined });
      expect(key?.modulusBits).toBeUndefined();
    }
    expect(importVerificationKey(ed25519Jwk('ed'))).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: 'ed' });
  });

  it('happy flow: a key without kid is imported with kid undefined', () => {
    expect(importVerificationKey(ecJwk(undefined))?.kid).toBeUndefined();
  });

  it('happy flow: key_ops containing verify is accepted', () => {
    expect(importVerificationKey({ ...ecJwk('k'), key_ops: ['verify'] })).toBeDefined();
  });

  it('happy flow: a private JWK yields only its public key, which verifies what the private key signed', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = pair.privateKey.export({ format: 'jwk' });
    const key = importVerificationKey({ ...privateJwk, kid: 'p' });
    expect(key?.keyObject.type).toBe('public');
    const signature = sign('sha256', Buffer.from('hello'), pair.privateKey);
    expect(verify('sha256', Buffer.from('hello'), key!.keyObject, signature)).toBe(true);
  });

  it('error flow: symmetric and unknown key types are skipped', () => {
    expect(importVerificationKey({ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', kid: 'h' })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), kty: 'XYZ' })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), kty: undefined })).toBeUndefined();
  });

  it('error flow: an encryption key (use enc) or key_ops without verify is skipped', () => {
    expect(importVerificationKey({ ...rsa2048, use: 'enc' })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), use: 42 })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), key_ops: ['encrypt'] })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), key_ops: 'verify' })).toBeUndefined();
  });

  it('error flow: unsupported curves are skipped (secp256k1, X25519)', () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' });
    expect(k1.crv).toBe('secp256k1');
    expect(importVerificationKey(k1)).toBeUndefined();
    const x = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
    expect(importVerificationKey(x)).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), crv: 'P-192' })).toBeUndefined();
  });

  it('error flow: an RSA modulus under 2048 bits is skipped', () => {
    expect(importVerificationKey(rsaJwk('small', 1024))).toBeUndefined();
  });

  it('error flow: a non-string kid or alg is skipped', () => {
    expect(importVerificationKey({ ...ecJwk(undefined), kid: 7 })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), alg: ['ES256'] })).toBeUndefined();
  });

  it('error flow: an alg that does not fit the key is skipped', () => {
    expect(importVerificationKey({ ...ecJwk('k'), alg: 'RS256' })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), alg: 'ES384' })).toBeUndefined();
    expect(importVerificationKey({ ...rsa2048, alg: 'RSA-OAEP' })).toBeUndefined();
    expect(importVerificationKey({ ...rsa2048, alg: 'HS256' })).toBeUndefined();
    expect(importVerificationKey({ ...ecJwk('k'), alg: 'ES256' })).toBeDefined();
  });

  it('error flow: malformed members are skipped, never thrown', () => {
    const ec = ecJwk('k');
    const bad: unknown[] = [
      null,
      undefined,
      'a string',
      42,
      [ec],
      { ...ec, x: undefined },
      { ...ec, y: 'not base64url!' },
      { ...ec, y: ec.x }, // not on the curve
      { ...ec, crv: 'P-384' }, // coordinates of the wrong length
      { ...rsa2048, n: '' },
      { ...rsa2048, e: 5 },
      { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' },
    ];
    for (const jwk of bad) expect(importVerificationKey(jwk)).toBeUndefined();
  });

  it('ignores inherited members: only own properties count', () => {
    const proto = { ...ecJwk('k') };
    expect(importVerificationKey(Object.create(proto))).toBeUndefined();
  });
});

describe('jwkFingerprint', () => {
  it('is equal for the same public members and differs when one changes', () => {
    const a = ecJwk('k');
    expect(jwkFingerprint({ ...a })).toBe(jwkFingerprint({ ...a }));
    expect(jwkFingerprint({ ...a, kid: 'other' })).not.toBe(jwkFingerprint(a));
    expect(jwkFingerprint({ ...a, use: 'enc' })).not.toBe(jwkFingerprint(a));
    expect(jwkFingerprint('x')).toBeUndefined();
  });
});

describe('importVerificationKey: RSA public exponent (RFC 8017 §3.1)', () => {
  const n = rsa2048.n!;
  const withExponent = (value: bigint): JsonWebKey => {
    let hex = value.toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    return { kty: 'RSA', n, e: Buffer.from(hex, 'hex').toString('base64url'), kid: 'e-test' };
  };

  it('error flow: e = 1 is skipped, although Node accepts it and a forged signature then verifies', () => {
    const jwk = withExponent(1n);
    // What makes e = 1 dangerous: the PKCS#1 v1.5 padding of the input's SHA-256 is a valid signature.
    const input = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9');
    const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(input).digest()]);
    const modulusBytes = Buffer.from(n, 'base64url').length;
    const forged = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(modulusBytes - digestInfo.length - 3, 0xff), Buffer.from([0]), digestInfo]);
    expect(verify('sha256', input, createPublicKey({ key: jwk, format: 'jwk' }), forged)).toBe(true);
    expect(importVerificationKey(jwk)).toBeUndefined();
  });

  it('error flow: an even exponent, e = 0, e = 2 and e ≥ n are skipped', () => {
    const modulus = BigInt(`0x${Buffer.from(n, 'base64url').toString('hex')}`);
    for (const e of [0n, 2n, 65536n, modulus + 2n]) expect(importVerificationKey(withExponent(e)), `e = ${e}`).toBeUndefined();
  });

  it('error flow: e = 3, e = 65535 and e ≥ 2^256 are skipped (FIPS 186-5: 2^16 < e < 2^256)', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey.export({ format: 'jwk' });
    expect(importVerificationKey({ ...small, kid: 'e3' })).toBeUndefined();
    for (const e of [65535n, 2n ** 256n + 1n, 2n ** 3070n + 1n]) expect(importVerificationKey(withExponent(e)), `e = ${e}`).toBeUndefined();
  });

  it('happy flow: e = 65537 and e = 2^255 + 1 are kept', () => {
    expect(importVerificationKey(withExponent(65537n))).toMatchObject({ kid: 'e-test', kty: 'RSA' });
    expect(importVerificationKey(withExponent(2n ** 255n + 1n))).toMatchObject({ kid: 'e-test', kty: 'RSA' });
  });

  it('error flow: a modulus over 8192 bits is skipped, 8192 bits is kept', () => {
    const modulusOf = (bits: number) => {
      const bytes = Buffer.alloc(bits / 8, 0xa5);
      bytes[0] = 0xc5; // top bit set: exactly `bits` bits
      bytes[bytes.length - 1] = 0xa7; // odd
      return bytes.toString('base64url');
    };
    const e = Buffer.from([1, 0, 1]).toString('base64url');
    expect(importVerificationKey({ kty: 'RSA', n: modulusOf(8192), e })).toMatchObject({ modulusBits: 8192 });
    expect(importVerificationKey({ kty: 'RSA', n: modulusOf(8200), e })).toBeUndefined();
  });
});
