/**
 * Lets a timer not keep the process alive, where the runtime can: Node, Bun and Deno give timers an
 * `unref`, workerd's `setTimeout` returns a number (a worker has no process to keep alive).
 *
 * @example
 * ```ts
 * unrefTimer(setTimeout(onTimeout, 5_000));
 * ```
 */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && typeof (timer as { unref?: unknown }).unref === 'function') {
    (timer as { unref(): void }).unref();
  }
}
