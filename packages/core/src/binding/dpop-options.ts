/**
 * The `dpop` option of the verifier (RFC 9449 at the resource server), checked once at construction.
 */
import { ASYMMETRIC_ALGORITHMS, isSupportedAlgorithm } from '../jwt/algorithms.js';
import { rejectUnknownKeys } from '../lib/known-keys.js';
import type { ReplayStore } from '../stores.js';
import type { AsymmetricAlgorithm } from '../types.js';
import { DpopNonces } from './dpop-nonce.js';
import { publicBase, type HtuSource } from './htu.js';

/** Server-provided nonces (RFC 9449 §8); see {@link DpopOptions.nonce}. */
export interface DpopNonceOptions {
  /**
   * HMAC key nonces are made with, at least 32 bytes. Give every instance of the API the same one so
   * that a nonce from one is good at all. Default: random per verifier.
   */
  secret?: string | Uint8Array | undefined;
  /** Seconds between nonce rotations; a nonce is accepted for up to twice this. Default 60. */
  lifetime?: number | undefined;
}

/** Options of DPoP-bound tokens (RFC 9449); the verifier's `dpop` option. */
export interface DpopOptions {
  /**
   * `'allowed'` (default): `Bearer` and `DPoP` are both accepted, each token in the scheme its `cnf`
   * says; `'required'`: only DPoP-bound tokens in the DPoP scheme; `'disabled'`: the DPoP scheme is
   * another scheme, and DPoP-bound tokens are still refused as bearer tokens.
   */
  mode?: 'allowed' | 'required' | 'disabled' | undefined;
  /** Proof algorithms accepted (asymmetric only). Default: every asymmetric algorithm core verifies. */
  algorithms?: readonly AsymmetricAlgorithm[] | undefined;
  /** Seconds a proof stays acceptable after its `iat`. Default 300. */
  proofMaxAge?: number | undefined;
  /** Seconds a proof's `iat` may lie in the future (client clocks run fast). Default 5. */
  clockTolerance?: number | undefined;
  /** Require a server-provided nonce in every proof: `true`, or settings. Default off. */
  nonce?: boolean | DpopNonceOptions | undefined;
  /** Where proof `jti`s are remembered. Default: a {@link MemoryReplayStore} per verifier. */
  replayStore?: ReplayStore | undefined;
  /** Milliseconds a replay store call may take before it counts as failed. Default 1000. */
  replayStoreTimeout?: number | undefined;
  /**
   * When the store fails or times out: `'reject'` (default) answers 503 with `Retry-After`; `'accept'`
   * lets the proof through unrecorded (the `iat` window still holds). Either way `replay_store_failed` is emitted.
   */
  replayStoreFailure?: 'reject' | 'accept' | undefined;
  /**
   * The API's external URL (`https://api.example.com`, optionally with a path prefix a proxy strips):
   * proofs' `htu` is compared with it plus the request path. Use it behind any proxy.
   */
  publicUrl?: string | undefined;
  /**
   * Believe `X-Forwarded-Proto` and `X-Forwarded-Host` for the `htu` comparison. Only when every request
   * comes through a proxy that sets both. Default false. Ignored when `publicUrl` is set.
   */
  trustProxy?: boolean | undefined;
}

/** Every key {@link DpopOptions} may hold. */
export const DPOP_OPTION_KEYS = [
  'mode', 'algorithms', 'proofMaxAge', 'clockTolerance', 'nonce', 'replayStore', 'replayStoreTimeout',
  'replayStoreFailure', 'publicUrl', 'trustProxy',
] as const;

/** Every key {@link DpopNonceOptions} may hold. */
export const DPOP_NONCE_OPTION_KEYS = ['secret', 'lifetime'] as const;

export interface ResolvedDpop {
  readonly mode: 'allowed' | 'required' | 'disabled';
  readonly algorithms: ReadonlySet<string>;
  /** The `algs` challenge parameter. */
  readonly algs: string;
  readonly proofMaxAge: number;
  readonly clockTolerance: number;
  readonly nonces: DpopNonces | undefined;
  /** Undefined until first use when none was given: the default store is made lazily. */
  readonly replayStore: ReplayStore | undefined;
  readonly replayStoreTimeout: number;
  readonly replayStoreFailure: 'reject' | 'accept';
  readonly htu: HtuSource;
}

function fail(option: string, message: string): never {
  throw new TypeError(`Portcullis: option "${option}" ${message}`);
}

function seconds(value: unknown, option: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) fail(option, `must be a finite number ≥ ${min}`);
  return value;
}

function resolveNonce(value: DpopOptions['nonce']): DpopNonces | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return new DpopNonces(undefined, 60);
  if (typeof value !== 'object' || value === null) fail('dpop.nonce', 'must be a boolean or { secret?, lifetime? }');
  rejectUnknownKeys(value, DPOP_NONCE_OPTION_KEYS, 'dpop.nonce');
  let secret: Uint8Array | undefined;
  if (value.secret !== undefined) {
    if (typeof value.secret !== 'string' && !(value.secret instanceof Uint8Array)) fail('dpop.nonce.secret', 'must be a string or a Uint8Array');
    secret = typeof value.secret === 'string' ? Buffer.from(value.secret, 'utf8') : value.secret;
    if (secret.length < 32) fail('dpop.nonce.secret', 'must be at least 32 bytes');
  }
  return new DpopNonces(secret, seconds(value.lifetime, 'dpop.nonce.lifetime', 60, 1));
}

/** Validates the `dpop` option. Throws a `TypeError` naming the first wrong one. */
export function resolveDpopOptions(value: DpopOptions | undefined): ResolvedDpop {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) fail('dpop', 'must be an object');
  const options: DpopOptions = value ?? {};
  rejectUnknownKeys(options, DPOP_OPTION_KEYS, 'dpop');
  const mode = options.mode ?? 'allowed';
  if (mode !== 'allowed' && mode !== 'required' && mode !== 'disabled') {
    fail('dpop.mode', `must be 'allowed', 'required' or 'disabled' (got ${JSON.stringify(mode)})`);
  }
  let algorithms: readonly string[] = ASYMMETRIC_ALGORITHMS;
  if (options.algorithms !== undefined) {
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) fail('dpop.algorithms', 'must be a non-empty list of algorithms');
    for (const alg of options.algorithms as unknown[]) {
      if (!isSupportedAlgorithm(alg) || alg.startsWith('HS')) {
        fail('dpop.algorithms', `has ${JSON.stringify(alg)}: proofs are signed with asymmetric algorithms only (RFC 9449 §4.2)`);
      }
    }
    algorithms = [...new Set(options.algorithms as string[])];
  }
  const store = options.replayStore;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.add !== 'function')) {
    fail('dpop.replayStore', 'must have an add(key, ttlMs) method');
  }
  const failure = options.replayStoreFailure ?? 'reject';
  if (failure !== 'reject' && failure !== 'accept') fail('dpop.replayStoreFailure', "must be 'reject' or 'accept'");
  if (options.trustProxy !== undefined && typeof options.trustProxy !== 'boolean') fail('dpop.trustProxy', 'must be a boolean');
  const timeout = seconds(options.replayStoreTimeout, 'dpop.replayStoreTimeout', 1000, 1);
  return {
    mode,
    algorithms: new Set(algorithms),
    algs: algorithms.join(' '),
    proofMaxAge: seconds(options.proofMaxAge, 'dpop.proofMaxAge', 300, 1),
    clockTolerance: seconds(options.clockTolerance, 'dpop.clockTolerance', 5),
    nonces: resolveNonce(options.nonce),
    replayStore: store,
    replayStoreTimeout: timeout,
    replayStoreFailure: failure,
    htu: {
      publicBase: options.publicUrl === undefined ? undefined : publicBase(options.publicUrl, 'dpop.publicUrl'),
      trustProxy: options.trustProxy === true,
    },
  };
}
