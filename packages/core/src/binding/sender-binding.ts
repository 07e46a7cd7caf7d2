/**
 * Step 3 of a request (DESIGN.md): after the token is verified, whatever its format, check that the
 * sender may use it. A token with `cnf.jkt` needs the DPoP scheme and a valid proof by that key (RFC 9449
 * §7.1); a token with `cnf["x5t#S256"]` needs that client certificate (RFC 8705 §3). Runs on every
 * request: nothing here is cached but the proof key's import (dpop-proof.ts).
 */
import { createHash } from 'node:crypto';
import { InvalidDpopProofError, InvalidTokenError, ReplayStoreUnavailableError, type RejectReason } from '../errors/errors.js';
import type { Credential } from '../request/credential.js';
import { MemoryReplayStore, type ReplayStore } from '../stores.js';
import type { AccessToken, RequestDescriptor } from '../types.js';
import type { ResolvedDpop } from './dpop-options.js';
import { checkDpopProof, type CheckedProof } from './dpop-proof.js';
import { requestHtu } from './htu.js';
import { certificateThumbprint, forwardedCertificate, type ResolvedMtls } from './mtls.js';
import { unrefTimer } from '../lib/timers.js';

/** The payload of the `replay_store_failed` event: what failed, and what the verifier did. No token, no proof. */
export interface ReplayStoreFailedEvent {
  kind: 'timeout' | 'error';
  /** `'reject'`: the request got a 503; `'accept'`: the proof passed unrecorded. */
  policy: 'reject' | 'accept';
  /** The store's own error, for `kind: 'error'`. */
  error?: unknown;
}

/** Seconds a client is told to wait after a replay store failure. */
const STORE_RETRY_AFTER = 5;

class StoreTimeout extends Error {}

function refuseToken(reason: RejectReason, description: string, realm: string | undefined): never {
  throw new InvalidTokenError({ reason, description, realm });
}

/**
 * The key a proof is remembered under: a hash of the proof key's thumbprint and the `jti`. The `jti` is
 * the client's choice, unique only among its own proofs (RFC 9449 §4.2), so scoping it to the key keeps
 * one client's `jti` from locking out another's, while a replay (the same proof, so the same key) still
 * collides. Hashing bounds the length and keeps client-chosen characters out of the store.
 */
export function replayKey(proof: CheckedProof): string {
  return 'dpop:' + createHash('sha256').update(proof.jkt).update('\n').update(proof.jti).digest('base64url');
}

/** Checks the sender constraints of verified tokens. */
/**
 * The headers of a successful answer: with `dpop.nonce`, a request with a DPoP-bound token gets the
 * current `DPoP-Nonce` (RFC 9449 §8.2); undefined otherwise.
 */
export function dpopResponseHeaders(dpop: ResolvedDpop, token: AccessToken<object> | undefined): Readonly<Record<string, string>> | undefined {
  const { nonces, mode } = dpop;
  // A token with cnf.jkt passes only in the DPoP scheme: its request was a DPoP one.
  if (nonces === undefined || mode === 'disabled' || token?.cnf?.jkt === undefined) return undefined;
  return nonces.successHeaders();
}

export class SenderBinding {
  readonly #dpop: ResolvedDpop;
  readonly #mtls: ResolvedMtls;
  readonly #realm: string | undefined;
  readonly #onStoreFailure: (event: ReplayStoreFailedEvent) => void;
  #store: ReplayStore | undefined;

  constructor(dpop: ResolvedDpop, mtls: ResolvedMtls, realm: string | undefined, onStoreFailure: (event: ReplayStoreFailedEvent) => void) {
    this.#dpop = dpop;
    this.#mtls = mtls;
    this.#realm = realm;
    this.#onStoreFailure = onStoreFailure;
    this.#store = dpop.replayStore;
  }

  /**
   * Undefined when there is nothing to check (a bearer token without `cnf`, the common case, costs no
   * promise); otherwise a promise that rejects with an AuthError. `credential` and `request` are
   * undefined for `verify(token)`, where a bound token cannot be checked and is refused.
   */
  check(auth: AccessToken<object>, credential: Credential | undefined, request: RequestDescriptor | undefined): Promise<void> | undefined {
    const cnf = auth.cnf;
    if (credential === undefined || request === undefined) {
      if (cnf?.jkt !== undefined || cnf?.['x5t#S256'] !== undefined) {
        refuseToken('binding_unverifiable', 'a sender-constrained token needs the request it came with', this.#realm);
      }
      // A bare string is a bearer token: 'required' refuses it here as it refuses the Bearer scheme.
      if (this.#dpop.mode === 'required') refuseToken('dpop_required', 'this resource requires a DPoP-bound token', this.#realm);
      return undefined;
    }
    if (cnf === undefined && credential.scheme !== 'DPoP') return undefined;
    const jkt = cnf?.jkt;
    const x5t = cnf?.['x5t#S256'];
    if (credential.scheme === 'Bearer' && jkt !== undefined) {
      // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token is refused, whatever the mode.
      refuseToken('dpop_bound_token_as_bearer', 'a DPoP-bound token must be sent with the DPoP scheme', this.#realm);
    }
    if (x5t !== undefined) this.#checkCertificate(x5t, request);
    if (credential.scheme === 'DPoP') return this.#checkDpop(jkt, credential, request, auth.token);
    return undefined;
  }

  #checkCertificate(x5t: unknown, request: RequestDescriptor): void {
    const { der, invalid } = forwardedCertificate(request, this.#mtls);
    if (invalid === true) {
      refuseToken('certificate_header_invalid', 'the forwarded client certificate header is malformed or names more than one certificate', this.#realm);
    }
    if (der === undefined) refuseToken('certificate_missing', 'the token is bound to a client certificate the request does not present', this.#realm);
    if (typeof x5t !== 'string' || certificateThumbprint(der) !== x5t) {
      refuseToken('certificate_mismatch', 'the token is bound to another client certificate', this.#realm);
    }
  }

  async #checkDpop(jkt: unknown, credential: Credential, request: RequestDescriptor, token: string): Promise<void> {
    if (jkt === undefined) refuseToken('dpop_token_unbound', 'the DPoP scheme needs a DPoP-bound token', this.#realm);
    if (typeof jkt !== 'string') refuseToken('dpop_key_mismatch', 'the DPoP proof key is not the key the token is bound to', this.#realm);
    const nowMs = Date.now();
    // The token is known here: its cnf.jkt is compared with the proof key before the proof's signature.
    const proof = await checkDpopProof(
      credential.proof!,
      { method: request.method, htu: requestHtu(request, this.#dpop.htu), token, nowMs, jkt },
      this.#dpop,
      this.#realm,
    );
    // Already compared in checkDpopProof; kept so that the binding holds whatever that function does.
    if (proof.jkt !== jkt) refuseToken('dpop_key_mismatch', 'the DPoP proof key is not the key the token is bound to', this.#realm);
    await this.#record(proof);
  }

  /** Records the proof in the replay store, last, so that refused proofs never take room in it. */
  async #record(proof: CheckedProof): Promise<void> {
    const settings = this.#dpop;
    const store = (this.#store ??= new MemoryReplayStore());
    const ttlMs = (settings.proofMaxAge + 2 * settings.clockTolerance) * 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first: unknown;
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new StoreTimeout()), settings.replayStoreTimeout);
        unrefTimer(timer);
      });
      first = await Promise.race([Promise.resolve().then(() => store.add(replayKey(proof), ttlMs)), timeout]);
      if (typeof first !== 'boolean') throw new TypeError('the replay store answered with something other than a boolean');
    } catch (error) {
      const kind = error instanceof StoreTimeout ? 'timeout' : 'error';
      const event: ReplayStoreFailedEvent = kind === 'timeout' ? { kind, policy: settings.replayStoreFailure } : { kind, policy: settings.replayStoreFailure, error };
      this.#onStoreFailure(event);
      if (settings.replayStoreFailure === 'accept') return;
      throw new ReplayStoreUnavailableError({ retryAfter: STORE_RETRY_AFTER, realm: this.#realm, cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (!first) throw new InvalidDpopProofError({ reason: 'dpop_replayed', description: 'the DPoP proof was already used', realm: this.#realm });
  }
}
