import { KeyObject, randomUUID } from 'node:crypto';
import { bindingConfirmation } from './binding.js';
import { signJws } from './sign.js';
import type { KeyRing } from './keys.js';
import { keyTypeOf } from './keys.js';
import type { MintAlgorithm, MintOptions } from './types.js';

/**
 * Every algorithm {@link FakeIssuer.mint} accepts.
 *
 * @example
 * ```ts
 * for (const alg of MINT_ALGORITHMS) issuer.mint({}, { alg, secret: 'x'.repeat(64) });
 * ```
 */
export const MINT_ALGORITHMS: readonly MintAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
  'none',
];

/**
 * What {@link mintToken} needs from the issuer.
 *
 * @example
 * ```ts
 * const context: MintContext = { keys, issuer: 'http://127.0.0.1:9000', audience: 'https://api.example.com', lifetime: 300 };
 * ```
 */
export interface MintContext {
  readonly keys: KeyRing;
  readonly issuer: string;
  readonly audience: string;
  readonly lifetime: number;
}

/**
 * `client_id` and `sub` of minted tokens unless overridden.
 *
 * @example
 * ```ts
 * expect(payload.client_id).toBe(DEFAULT_CLIENT_ID);
 * ```
 */
export const DEFAULT_CLIENT_ID = 'client-123';

function encodeSegment(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Shallow merge where an `undefined` value deletes the field. */
function merge(base: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  if (overrides === undefined) return out;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

function isAlgorithm(value: unknown): value is MintAlgorithm {
  return typeof value === 'string' && (MINT_ALGORITHMS as readonly string[]).includes(value);
}

function hmacSecret(alg: MintAlgorithm, options: MintOptions): KeyObject | string | Uint8Array {
  if (options.key instanceof KeyObject) return options.key;
  if (options.secret !== undefined) return options.secret;
  throw new TypeError(`MintOptions.secret is required for ${alg}`);
}

function signingKey(alg: MintAlgorithm, options: MintOptions, keys: KeyRing): KeyObject {
  if (options.key instanceof KeyObject) return options.key;
  const type = keyTypeOf(alg)!;
  return options.key === 'attacker' ? keys.attacker(type) : keys.current(type).privateKey;
}

/**
 * Builds and signs an RFC 9068 access token (header `{ alg, typ: 'at+jwt', kid }`; claims iss, sub,
 * aud, exp, iat, jti, client_id, scope), applying the overrides of `claims` and `options`.
 *
 * @example
 * ```ts
 * const token = mintToken(context, { scope: 'orders:read' }, { alg: 'ES256', lifetime: -10 });
 * ```
 */
export function mintToken(context: MintContext, claims: Record<string, unknown> = {}, options: MintOptions = {}): string {
  const alg = options.alg ?? 'RS256';
  if (!isAlgorithm(alg)) throw new TypeError(`MintOptions.alg "${String(alg)}" is not supported`);
  if (options.key === 'attacker' && keyTypeOf(alg) === undefined) {
    throw new TypeError(`MintOptions.key "attacker" does not apply to ${alg}`);
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const lifetime = options.lifetime ?? context.lifetime;

  // Symmetric and unsigned tokens name the RSA kid, so a verifier finds a key and must refuse the alg.
  const kid = options.kid === undefined ? context.keys.current(keyTypeOf(alg) ?? 'RSA').kid : options.kid;
  const baseHeader: Record<string, unknown> = { alg, typ: 'at+jwt' };
  if (kid !== null) baseHeader.kid = kid;
  const header = merge(baseHeader, options.header);

  const payload = merge(
    {
      iss: context.issuer,
      sub: DEFAULT_CLIENT_ID,
      aud: context.audience,
      exp: now + lifetime,
      iat: now,
      jti: randomUUID(),
      client_id: DEFAULT_CLIENT_ID,
      scope: 'read write',
    },
    claims,
  );
  const cnf = bindingConfirmation({ dpopKey: options.dpopKey, certificate: options.certificate }, payload.cnf);
  if (cnf !== undefined) payload.cnf = cnf;

  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  let key: KeyObject | string | Uint8Array = '';
  if (alg.startsWith('HS')) key = hmacSecret(alg, options);
  else if (alg !== 'none') key = signingKey(alg, options, context.keys);
  const signature = signJws(alg, Buffer.from(signingInput, 'ascii'), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}
