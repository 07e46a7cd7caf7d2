/**
 * Server-provided DPoP nonces (RFC 9449 §8), without server state: a nonce names a time slot and carries
 * an HMAC of it, so every instance holding the same secret issues and accepts the same nonces. A nonce is
 * good for its slot and the one after, so a client never holds a nonce that expires the moment it is
 * issued; rotation is the slot changing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SLOT_BYTES = 6;
const MAC_BYTES = 16;

/** Issues and checks nonces. */
export class DpopNonces {
  #secret: Buffer | undefined;
  readonly #lifetimeMs: number;

  /**
   * `lifetime` in seconds: how often the nonce rotates. Without a secret, a random one is drawn on
   * first use, not here: workerd forbids random values at module scope, where verifiers are made.
   */
  constructor(secret: Uint8Array | undefined, lifetime: number) {
    this.#secret = secret === undefined ? undefined : Buffer.from(secret);
    this.#lifetimeMs = lifetime * 1000;
  }

  #slot(nowMs: number): number {
    return Math.floor(nowMs / this.#lifetimeMs);
  }

  #mac(slot: Buffer): Buffer {
    return createHmac('sha256', (this.#secret ??= randomBytes(32))).update(slot).digest().subarray(0, MAC_BYTES);
  }

  /** The nonce to hand out now. */
  current(nowMs: number = Date.now()): string {
    return this.successHeaders(nowMs)['DPoP-Nonce'];
  }

  /** The last slot's nonce as response headers, made once per slot: a 200 may carry it on every request. */
  #issued: { readonly slot: number; readonly headers: Readonly<{ 'DPoP-Nonce': string }> } | undefined;

  /**
   * `{ 'DPoP-Nonce': current }`, the header a successful response carries (RFC 9449 §8.2) so that a
   * client takes the new nonce before its old one runs out instead of after a 401. One frozen object
   * per slot.
   */
  successHeaders(nowMs: number = Date.now()): Readonly<{ 'DPoP-Nonce': string }> {
    const slotNumber = this.#slot(nowMs);
    if (this.#issued?.slot === slotNumber) return this.#issued.headers;
    const slot = Buffer.alloc(SLOT_BYTES);
    slot.writeUIntBE(slotNumber, 0, SLOT_BYTES);
    const headers = Object.freeze({ 'DPoP-Nonce': Buffer.concat([slot, this.#mac(slot)]).toString('base64url') });
    this.#issued = { slot: slotNumber, headers };
    return headers;
  }

  /** Whether `nonce` was issued in the current or the previous slot by a holder of the secret. */
  accepts(nonce: unknown, nowMs: number = Date.now()): boolean {
    if (typeof nonce !== 'string' || nonce.length !== Math.ceil(((SLOT_BYTES + MAC_BYTES) * 4) / 3)) return false;
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== SLOT_BYTES + MAC_BYTES || bytes.toString('base64url') !== nonce) return false;
    const slotBytes = bytes.subarray(0, SLOT_BYTES);
    const age = this.#slot(nowMs) - slotBytes.readUIntBE(0, SLOT_BYTES);
    if (age !== 0 && age !== 1) return false;
    return timingSafeEqual(this.#mac(slotBytes), bytes.subarray(SLOT_BYTES));
  }
}
