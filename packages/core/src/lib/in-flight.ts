/**
 * Abort signals made per operation, when it starts, and aborted together on close. An owner never holds
 * one `AbortController` from construction on: workerd forbids making I/O objects at module scope (where
 * verifiers are made) and refuses an I/O object made while serving one request in another one.
 */
export class InFlightAborts {
  readonly #active = new Set<AbortController>();
  #closed = false;

  /** Whether {@link InFlightAborts.abortAll} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `operation` with a signal of its own, aborted by {@link InFlightAborts.abortAll}; after
   * `abortAll`, the signal is aborted from the start.
   *
   * @example
   * ```ts
   * const body = await aborts.run((signal) => fetchJson(url, { timeout: 5_000, maxBytes: 65_536, signal }));
   * ```
   */
  async run<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.#closed) controller.abort();
    this.#active.add(controller);
    try {
      return await operation(controller.signal);
    } finally {
      this.#active.delete(controller);
    }
  }

  /** Aborts every operation in flight and every later one. */
  abortAll(): void {
    this.#closed = true;
    for (const controller of this.#active) controller.abort();
    this.#active.clear();
  }
}
