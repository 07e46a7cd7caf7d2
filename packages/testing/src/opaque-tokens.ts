import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_CLIENT_ID } from './mint.js';
import type { OpaqueMintOptions } from './types.js';

/**
 * What {@link OpaqueTokenStore} needs from the issuer.
 *
 * @example
 * ```ts
 * const store = new OpaqueTokenStore({ issuer: urls.url, audience: 'https://api.example.com', lifetime: 300 });
 * ```
 */
export interface OpaqueTokenContext {
  readonly issuer: string;
  readonly audience: string;
  readonly lifetime: number;
}

/** Most opaque tokens kept; the oldest go first, so a long test run cannot grow without bound. */
const MAX_TOKENS = 100_000;

/**
 * The server-side state of opaque access tokens: random strings that mean nothing by themselves, with
 * their claims kept here, as authorization servers that do not issue JWTs do. Also remembers revoked
 * JWTs, so that introspection can report them inactive.
 *
 * @example
 * ```ts
 * const token = store.mint({ scope: 'orders:read' });
 * store.lookup(token); // { iss, sub, aud, exp, iat, jti, client_id, scope, token_type }
 * store.revoke(token);
 * store.lookup(token); // undefined
 * ```
 */
export class OpaqueTokenStore {
  readonly #context: OpaqueTokenContext;
  readonly #tokens = new Map<string, Record<string, unknown>>();
  readonly #revoked = new Set<string>();

  constructor(context: OpaqueTokenContext) {
    this.#context = context;
  }

  /**
   * A new opaque token: 43 characters of base64url (256 random bits). Given claims override the
   * defaults; a claim given as `undefined` is left out.
   */
  mint(claims: Record<string, unknown> = {}, options: OpaqueMintOptions = {}): string {
    const now = options.now ?? Math.floor(Date.now() / 1000);
    const lifetime = options.lifetime ?? this.#context.lifetime;
    if (!Number.isFinite(now) || !Number.isFinite(lifetime)) throw new TypeError('OpaqueMintOptions.now and lifetime must be finite numbers');
    const stored: Record<string, unknown> = {
      iss: this.#context.issuer,
      sub: DEFAULT_CLIENT_ID,
      aud: this.#context.audience,
      exp: now + lifetime,
      iat: now,
      jti: randomUUID(),
      client_id: DEFAULT_CLIENT_ID,
      scope: 'read write',
      token_type: 'Bearer',
    };
    for (const [name, value] of Object.entries(claims)) {
      if (value === undefined) delete stored[name];
      else stored[name] = value;
    }
    const token =
      options.shape === 'jws'
        ? `${randomBytes(18).toString('base64url')}.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`
        : randomBytes(32).toString('base64url');
    if (this.#tokens.size >= MAX_TOKENS) this.#tokens.delete(this.#tokens.keys().next().value!);
    this.#tokens.set(token, stored);
    return token;
  }

  /** Whether this string is an opaque token this issuer handed out (active or not). */
  has(token: string): boolean {
    return this.#tokens.has(token);
  }

  /** The claims of an active opaque token; `undefined` when unknown, revoked or expired at `now` (seconds). */
  lookup(token: string, now: number = Math.floor(Date.now() / 1000)): Record<string, unknown> | undefined {
    const claims = this.#tokens.get(token);
    if (claims === undefined || this.#revoked.has(token)) return undefined;
    const exp = claims.exp;
    if (typeof exp === 'number' && exp <= now) return undefined;
    return { ...claims };
  }

  /** Marks any token (opaque or JWT) revoked; returns whether it was active before. */
  revoke(token: string): boolean {
    const wasRevoked = this.#revoked.has(token);
    if (this.#revoked.size >= MAX_TOKENS) this.#revoked.delete(this.#revoked.values().next().value!);
    this.#revoked.add(token);
    return !wasRevoked;
  }

  isRevoked(token: string): boolean {
    return this.#revoked.has(token);
  }
}
