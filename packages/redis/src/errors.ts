/**
 * Why a Redis store call failed:
 * - `timeout`: Redis did not answer within the store's `timeout` (slow, paused, or unreachable while the
 *   client reconnects)
 * - `unavailable`: the client refused or failed the command (closed, offline with its offline queue off,
 *   connection lost while the command was in flight, a Redis error reply)
 */
export type RedisStoreErrorCode = 'timeout' | 'unavailable';

/**
 * The one error a Redis store rejects with. Core treats any rejection of a store as "the store cannot
 * answer" (replay check: 503 with `Retry-After` by default; introspection cache: fall through to the
 * authorization server); this class lets your own logs tell a timeout from a refused command. The
 * client's error, when there is one, is kept as `cause`. Messages never contain a key or a value.
 *
 * @example
 * ```ts
 * try {
 *   await store.add(key, 300_000);
 * } catch (error) {
 *   if (error instanceof RedisStoreError && error.code === 'timeout') console.warn('Redis is slow');
 * }
 * ```
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
  readonly code: RedisStoreErrorCode;
  /** The Redis command that failed: `SET` or `GET`. */
  readonly command: string;

  constructor(code: RedisStoreErrorCode, command: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.command = command;
  }
}
