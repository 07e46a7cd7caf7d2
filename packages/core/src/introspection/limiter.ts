/**
 * A counting semaphore whose waits end at a deadline: at most `max` introspection calls in flight per
 * endpoint, and a request never waits for a slot longer than its own time budget.
 */

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

/** Thrown when no slot came free before the deadline. */
export class LimiterTimeout extends Error {}

export class ConcurrencyLimiter {
  readonly #max: number;
  #active = 0;
  /** The most in flight at once since creation, for stats and tests. */
  peak = 0;
  readonly #queue: Waiter[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves to a release function once a slot is free; rejects with {@link LimiterTimeout} after `waitMs`. */
  acquire(waitMs: number): Promise<() => void> {
    if (this.#active < this.#max) return Promise.resolve(this.#take());
    if (waitMs <= 0) return Promise.reject(new LimiterTimeout('no introspection slot free'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve(this.#take());
        },
        timer: setTimeout(() => {
          const index = this.#queue.indexOf(waiter);
          if (index !== -1) this.#queue.splice(index, 1);
          reject(new LimiterTimeout('no introspection slot free in time'));
        }, waitMs),
      };
      this.#queue.push(waiter);
    });
  }

  #take(): () => void {
    this.#active++;
    if (this.#active > this.peak) this.peak = this.#active;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      const next = this.#queue.shift();
      next?.grant();
    };
  }
}
