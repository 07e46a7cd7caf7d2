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
  readonly #secret: Buffer;
  readonly #lifetimeMs: number;

  /** `lifetime` in seconds: how often the nonce rotates. */
  constructor(secret: Uint8Array | undefined, lifetime: number) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
    this.#lifetimeMs = lifetime * 1000;
  }

  #slot(nowMs: number): number {
    return Math.floor(nowMs / this.#lifetimeMs);
  }

  #mac(slot: Buffer): Buffer {
    return createHmac('sha256', this.#secret).update(slot).digest().subarray(0, MAC_BYTES);
  }

  /** The nonce to hand out now. */
  current(nowMs: number = Date.now()): string {
    const slot = Buffer.alloc(SLOT_BYTES);
    slot.writeUIntBE(this.#slot(nowMs), 0, SLOT_BYTES);
    return Buffer.concat([slot, this.#mac(slot)]).toString('base64url');
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
