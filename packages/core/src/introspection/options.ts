/**
 * The `introspection` object of an issuer configuration (RFC 7662), checked once at construction.
 */
import { isAcceptableJwksUri } from '../keys/discovery.js';
import { rejectUnknownKeys } from '../lib/known-keys.js';
import { MemoryIntrospectionCache, type IntrospectionCacheStore } from '../stores.js';

/**
 * How a resource server asks an issuer about its tokens (RFC 7662 token introspection).
 *
 * @example
 * ```ts
 * createVerifier({
 *   issuer: [{ issuer: 'https://as.example.com', introspection: { clientId: 'orders-api', clientSecret: process.env.SECRET! } }],
 *   audience: 'https://orders.example.com',
 * });
 * ```
 */
export interface IntrospectionOptions {
  /** The resource server's own client id at the authorization server. */
  clientId: string;
  /** Its client secret. Never appears in an error, an event or a log. */
  clientSecret: string;
  /** The introspection endpoint; without it, `introspection_endpoint` from the issuer's metadata. */
  endpoint?: string | undefined;
  /** Client authentication (RFC 6749 §2.3.1). Default `'client_secret_basic'`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | undefined;
  /**
   * Seconds an active result is reused (never past the token's `exp`). Default 30; `0` turns the cache
   * off. A token revoked at the authorization server stays accepted for at most this long.
   */
  cacheTtl?: number | undefined;
  /** Most introspection calls in flight to the endpoint; more requests wait (never past `timeout`). Default 32. */
  maxConcurrent?: number | undefined;
  /** Milliseconds for one introspection: waiting for a slot, the call and the cache. Default: `jwks.timeout` (5 000). */
  timeout?: number | undefined;
  /**
   * Refuse a response without `aud`. Default true: RFC 7662 makes `aud` optional, but without it a
   * refresh token or a token for another API passes as ours. Set `false` only for a server that never
   * sends `aud` and issues tokens for this API alone.
   */
  requireAudience?: boolean | undefined;
  /** Ask for an RFC 9701 signed response (`application/token-introspection+jwt`), checked with the issuer's keys. Default false. */
  jwtResponse?: boolean | undefined;
  /** Where active results are cached; default a {@link MemoryIntrospectionCache} per issuer. */
  cacheStore?: IntrospectionCacheStore | undefined;
}

/**
 * Every key {@link IntrospectionOptions} may hold.
 *
 * @example
 * ```ts
 * rejectUnknownKeys(config.introspection, INTROSPECTION_OPTION_KEYS, 'issuer[0].introspection');
 * ```
 */
export const INTROSPECTION_OPTION_KEYS = [
  'clientId', 'clientSecret', 'endpoint', 'authMethod', 'cacheTtl', 'maxConcurrent', 'timeout',
  'requireAudience', 'jwtResponse', 'cacheStore',
] as const;

/** {@link IntrospectionOptions} with defaults applied. */
export interface ResolvedIntrospection {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly endpoint: string | undefined;
  readonly authMethod: 'client_secret_basic' | 'client_secret_post';
  /** Milliseconds. */
  readonly cacheTtlMs: number;
  readonly maxConcurrent: number;
  /** Milliseconds. */
  readonly timeout: number;
  readonly requireAudience: boolean;
  readonly jwtResponse: boolean;
  readonly cacheStore: IntrospectionCacheStore;
}

/** The longest delay timers accept. */
const MAX_DURATION = 2_147_483_647;

function fail(option: string, message: string): never {
  throw new TypeError(`Portcullis: option "${option}" ${message}`);
}

/**
 * Checks an issuer's `introspection` object; `path` names it in errors (`issuer[0].introspection`).
 *
 * @example
 * ```ts
 * resolveIntrospection({ clientId: 'api', clientSecret: 's' }, 'issuer[0].introspection', 5_000);
 * ```
 */
export function resolveIntrospection(value: unknown, path: string, defaultTimeout: number): ResolvedIntrospection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object { clientId, clientSecret, … }');
  rejectUnknownKeys(value, INTROSPECTION_OPTION_KEYS, path);
  const options = value as IntrospectionOptions;
  if (typeof options.clientId !== 'string' || options.clientId === '') fail(`${path}.clientId`, 'must be a non-empty string');
  // The value is never shown: it is a secret.
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '') fail(`${path}.clientSecret`, 'must be a non-empty string');
  let endpoint: string | undefined;
  if (options.endpoint !== undefined) {
    if (typeof options.endpoint !== 'string' || !isAcceptableJwksUri(options.endpoint)) {
      // RFC 7662 §4: the endpoint must be protected by TLS; plain http only where nobody can listen in.
      fail(`${path}.endpoint`, 'must be an https URL (http only on a loopback host), without credentials or fragment');
    }
    endpoint = new URL(options.endpoint).href;
  }
  const authMethod = options.authMethod ?? 'client_secret_basic';
  if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    fail(`${path}.authMethod`, "must be 'client_secret_basic' or 'client_secret_post'");
  }
  const cacheTtl = options.cacheTtl ?? 30;
  if (typeof cacheTtl !== 'number' || !Number.isFinite(cacheTtl) || cacheTtl < 0 || cacheTtl * 1000 > MAX_DURATION) {
    fail(`${path}.cacheTtl`, 'must be a number of seconds ≥ 0 (0 turns the cache off)');
  }
  const maxConcurrent = options.maxConcurrent ?? 32;
  if (typeof maxConcurrent !== 'number' || !Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 10_000) {
    fail(`${path}.maxConcurrent`, 'must be an integer from 1 to 10000');
  }
  const timeout = options.timeout ?? defaultTimeout;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 1 || timeout > MAX_DURATION) {
    fail(`${path}.timeout`, `must be a number of milliseconds from 1 to ${MAX_DURATION}`);
  }
  for (const name of ['requireAudience', 'jwtResponse'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') fail(`${path}.${name}`, 'must be a boolean');
  }
  const store = options.cacheStore;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function')) {
    fail(`${path}.cacheStore`, 'must have get(key) and set(key, value, ttlMs) methods (an IntrospectionCacheStore)');
  }
  return Object.freeze({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    endpoint,
    authMethod,
    cacheTtlMs: cacheTtl * 1000,
    maxConcurrent,
    timeout,
    requireAudience: options.requireAudience ?? true,
    jwtResponse: options.jwtResponse ?? false,
    cacheStore: store ?? new MemoryIntrospectionCache(),
  });
}
