/**
 * DPoP on the client side, for tests (RFC 9449 §4): proof keys, proofs (good ones and, through the
 * overrides, every kind of bad one), and the RFC 7638 thumbprint a token's `cnf.jkt` names. Written
 * independently of the verifier's `jose`-based thumbprint, so each checks the other.
 */
import { createHash, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { DPOP_PROOF_ALGORITHMS, type DpopAlgorithm, type DpopKey } from './dpop-key.js';
import { signJws } from './sign.js';
import type { MintAlgorithm } from './types.js';

export { DPOP_PROOF_ALGORITHMS };
export type { DpopAlgorithm, DpopKey };

/** RFC 7638 §3.2: the required members of each key type, in lexicographic order. */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK: the JSON of its required members only, in
 * lexicographic order, without whitespace.
 *
 * @example
 * ```ts
 * jwkThumbprint({ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: 'ignored' });
 * ```
 */
export function jwkThumbprint(jwk: JsonWebKey | Record<string, unknown>): string {
  const members = REQUIRED_MEMBERS[String((jwk as Record<string, unknown>).kty)];
  if (members === undefined) throw new TypeError(`jwkThumbprint: unsupported kty ${String((jwk as Record<string, unknown>).kty)}`);
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify((jwk as Record<string, unknown>)[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/**
 * Makes a new DPoP key pair. Default ES256 (the algorithm every DPoP implementation supports).
 *
 * @example
 * ```ts
 * const key = createDpopKey();
 * ```
 */
export function createDpopKey(alg: DpopAlgorithm = 'ES256'): DpopKey {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (alg === 'RS256' || alg === 'PS256') pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'EdDSA') pair = generateKeyPairSync('ed25519');
  else pair = generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : alg === 'ES384' ? 'P-384' : 'P-521' });
  const full = pair.publicKey.export({ format: 'jwk' });
  const members = REQUIRED_MEMBERS[full.kty!]!;
  const publicJwk = Object.fromEntries(members.map((name) => [name, (full as Record<string, unknown>)[name]])) as JsonWebKey;
  return Object.freeze({ alg, privateKey: pair.privateKey, publicJwk: Object.freeze(publicJwk), thumbprint: jwkThumbprint(publicJwk) });
}

let defaultKey: DpopKey | undefined;

/**
 * The key {@link createDpopProof} uses when none is given: one ES256 key per process.
 *
 * @example
 * ```ts
 * const token = issuer.mint({}, { dpopKey: defaultDpopKey() });
 * ```
 */
export function defaultDpopKey(): DpopKey {
  return (defaultKey ??= createDpopKey('ES256'));
}

/**
 * Options of {@link createDpopProof}. `header` and `claims` are merged last, a value of `undefined`
 * deleting the member, to make deliberately bad proofs.
 *
 * @example
 * ```ts
 * const options: DpopProofOptions = { htm: 'GET', htu: 'https://api.example.com/orders', accessToken: token };
 * ```
 */
export interface DpopProofOptions {
  /** The proof key. Default: {@link defaultDpopKey}. */
  key?: DpopKey;
  /** The request method. */
  htm: string;
  /** The request URI (query and fragment are not part of it; RFC 9449 §4.2). */
  htu: string;
  /** The access token: sets `ath`, as a resource server requires. Leave out for the token endpoint. */
  accessToken?: string;
  /** The server-provided nonce (RFC 9449 §8). */
  nonce?: string;
  /** Seconds since the epoch. Default now. */
  iat?: number;
  /** Default a random UUID. */
  jti?: string;
  /** Header `alg`; default the key's. Another value makes a proof whose alg does not fit its key. */
  alg?: MintAlgorithm;
  /** Sign with this private key instead of the proof key (a proof whose signature does not verify). */
  signingKey?: KeyObject;
  /** Merged over `{ typ: 'dpop+jwt', alg, jwk }`. */
  header?: Record<string, unknown>;
  /** Merged over `{ jti, htm, htu, iat, ath?, nonce? }`. */
  claims?: Record<string, unknown>;
}

function merge(base: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = { ...base };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

/**
 * `ath`: base64url SHA-256 of the access token (RFC 9449 §4.2).
 *
 * @example
 * ```ts
 * createDpopProof({ htm: 'GET', htu, claims: { ath: accessTokenHash('another token') } });
 * ```
 */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * Signs a DPoP proof JWT (RFC 9449 §4.2) for one request.
 *
 * @example
 * ```ts
 * import { createDpopProof, defaultDpopKey } from '@portcullis/testing';
 *
 * const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: defaultDpopKey() });
 * const proof = createDpopProof({ htm: 'GET', htu: `${api}/orders`, accessToken: token });
 * await fetch(`${api}/orders`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
 * ```
 */
export function createDpopProof(options: DpopProofOptions): string {
  const key = options.key ?? defaultDpopKey();
  const alg = options.alg ?? key.alg;
  const header = merge({ typ: 'dpop+jwt', alg, jwk: key.publicJwk }, options.header);
  const base: Record<string, unknown> = {
    jti: options.jti ?? randomUUID(),
    htm: options.htm,
    htu: options.htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  };
  if (options.accessToken !== undefined) base.ath = accessTokenHash(options.accessToken);
  if (options.nonce !== undefined) base.nonce = options.nonce;
  const claims = merge(base, options.claims);
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = signJws(alg, Buffer.from(input, 'ascii'), options.signingKey ?? key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
