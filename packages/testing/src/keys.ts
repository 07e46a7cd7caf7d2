import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Jwk } from './jwk.js';
import type { MintAlgorithm, PublishedJwk } from './types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * The kinds of asymmetric key the fake issuer signs with.
 *
 * @example
 * ```ts
 * const type: KeyType = keyTypeOf('ES384'); // 'P-384'
 * ```
 */
export type KeyType = 'RSA' | 'P-256' | 'P-384' | 'P-521' | 'Ed25519';

/**
 * A key pair with its kid and published JWK.
 *
 * @example
 * ```ts
 * const { kid, privateKey } = ring.current('RSA');
 * ```
 */
export interface SigningKey {
  readonly type: KeyType;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: PublishedJwk;
}

interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The JWK `alg` published with each key type, as real issuers do. */
const PUBLISHED_ALG: Record<KeyType, string> = {
  RSA: 'RS256',
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};

/** Key types that exist from the start; the other curves appear when first used. */
const INITIAL_TYPES: readonly KeyType[] = ['RSA', 'P-256', 'Ed25519'];

/**
 * The key type that signs `alg`; `undefined` for HS* and `none`.
 *
 * @example
 * ```ts
 * keyTypeOf('PS256'); // 'RSA'
 * keyTypeOf('HS256'); // undefined
 * ```
 */
export function keyTypeOf(alg: MintAlgorithm): KeyType | undefined {
  switch (alg) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return 'RSA';
    case 'ES256':
      return 'P-256';
    case 'ES384':
      return 'P-384';
    case 'ES512':
      return 'P-521';
    case 'EdDSA':
    case 'Ed25519':
      return 'Ed25519';
    default:
      return undefined;
  }
}

/**
 * A fresh random kid: 12 base64url characters.
 *
 * @example
 * ```ts
 * const kid = newKid(); // e.g. 'q3Zb1v0xWm9T'
 * ```
 */
export function newKid(): string {
  return randomBytes(9).toString('base64url');
}

function generateSync(type: KeyType): KeyPair {
  switch (type) {
    case 'RSA':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'Ed25519':
      return generateKeyPairSync('ed25519');
    default:
      return generateKeyPairSync('ec', { namedCurve: type });
  }
}

async function generate(type: KeyType): Promise<KeyPair> {
  switch (type) {
    case 'RSA':
      return generateKeyPairAsync('rsa', { modulusLength: 2048 });
    case 'Ed25519':
      return generateKeyPairAsync('ed25519');
    default:
      return generateKeyPairAsync('ec', { namedCurve: type });
  }
}

function toSigningKey(type: KeyType, pair: KeyPair): SigningKey {
  const kid = newKid();
  // export({ format: 'jwk' }) of a public key holds only public parameters.
  const exported = pair.publicKey.export({ format: 'jwk' });
  const jwk: PublishedJwk = { ...exported, kid, use: 'sig', alg: PUBLISHED_ALG[type] };
  return { type, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

/** Which signing keys are published without `alg`: all, none, or those of these key types. */
export type OmitAlg = boolean | readonly ('RSA' | 'EC' | 'OKP')[];

interface JwksEntry {
  readonly kid: string | undefined;
  readonly jwk: Readonly<Record<string, unknown>>;
  /** False for raw entries from {@link KeyRing.addRaw}, which rotation never retires. */
  readonly signing: boolean;
}

/**
 * The issuer's keys: the current key per type, the published JWKS entries, and unpublished attacker
 * keys of each type.
 *
 * @example
 * ```ts
 * const ring = await KeyRing.create();
 * const { kid } = ring.current('RSA');
 * ring.rotate({ retireOld: true });
 * ring.jwks(); // { keys: [...] }
 * ```
 */
export class KeyRing {
  readonly #current = new Map<KeyType, SigningKey>();
  readonly #attackers = new Map<KeyType, KeyPair>();
  readonly #omitAlg: (kty: unknown) => boolean;
  #published: JwksEntry[] = [];

  private constructor(initial: readonly SigningKey[], attackerRsa: KeyPair, omitAlg: OmitAlg) {
    for (const key of initial) this.#install(key);
    this.#attackers.set('RSA', attackerRsa);
    this.#omitAlg = omitAlg === true ? () => true : omitAlg === false ? () => false : (kty) => (omitAlg as readonly unknown[]).includes(kty);
  }

  /**
   * Generates the RSA 2048, P-256 and Ed25519 keys and the attacker RSA key without blocking the loop.
   *
   * @example
   * ```ts
   * const ring = await KeyRing.create();
   * ```
   */
  static async create(omitAlg: OmitAlg = false): Promise<KeyRing> {
    const [attacker, ...pairs] = await Promise.all([generate('RSA'), ...INITIAL_TYPES.map(generate)]);
    const initial = INITIAL_TYPES.map((type, i) => toSigningKey(type, pairs[i]!));
    return new KeyRing(initial, attacker, omitAlg);
  }

  /** The current key of a type, created (and published) on first use. */
  current(type: KeyType): SigningKey {
    const existing = this.#current.get(type);
    if (existing !== undefined) return existing;
    const created = toSigningKey(type, generateSync(type));
    this.#install(created);
    return created;
  }

  /** A private key of the type that is never published, created on first use. */
  attacker(type: KeyType): KeyObject {
    let pair = this.#attackers.get(type);
    if (pair === undefined) {
      pair = generateSync(type);
      this.#attackers.set(type, pair);
    }
    return pair.privateKey;
  }

  /** Public JWK of the attacker key of a type, without kid, use or alg. */
  attackerJwk(type: KeyType): Jwk {
    this.attacker(type);
    return this.#attackers.get(type)!.publicKey.export({ format: 'jwk' });
  }

  /**
   * Replaces the current key of every type in use; returns the new kids. With `retireOld`, every
   * earlier signing key leaves the JWKS (raw entries stay).
   */
  rotate(options: { retireOld?: boolean } = {}): string[] {
    if (options.retireOld === true) this.#published = this.#published.filter((entry) => !entry.signing);
    const kids: string[] = [];
    for (const type of [...this.#current.keys()]) {
      const next = toSigningKey(type, generateSync(type));
      this.#install(next);
      kids.push(next.kid);
    }
    return kids;
  }

  /** Stops publishing every entry with this kid. The key stays current if it was. */
  remove(kid: string): void {
    const before = this.#published.length;
    this.#published = this.#published.filter((entry) => entry.kid !== kid);
    if (this.#published.length === before) throw new Error(`no published key has kid "${kid}"`);
  }

  /** Publishes a raw entry exactly as given. */
  addRaw(jwk: Readonly<Record<string, unknown>>): void {
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    this.#published.push({ kid, jwk: structuredClone(jwk), signing: false });
  }

  /** Kids of the published entries, in JWKS order. */
  kids(): string[] {
    return this.#published.flatMap((entry) => (entry.kid === undefined ? [] : [entry.kid]));
  }

  /** The published entry with this kid. */
  publicJwk(kid: string): PublishedJwk {
    const entry = this.#published.find((candidate) => candidate.kid === kid);
    if (entry === undefined) throw new Error(`no published key has kid "${kid}"`);
    return structuredClone(this.#shown(entry)) as PublishedJwk;
  }

  /** The JWKS document. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: this.#published.map((entry) => ({ ...this.#shown(entry) })) };
  }

  /** An entry as published: a signing key without `alg` when its type is configured so. */
  #shown(entry: JwksEntry): Readonly<Record<string, unknown>> {
    if (!entry.signing || !this.#omitAlg(entry.jwk.kty)) return entry.jwk;
    const { alg: _alg, ...rest } = entry.jwk;
    return rest;
  }

  #install(key: SigningKey): void {
    this.#current.set(key.type, key);
    this.#published.push({ kid: key.kid, jwk: key.jwk, signing: true });
  }
}
