import { RedisStoreError } from './errors.js';

/**
 * `SET` options in node-redis's spelling (v5 and later).
 *
 * @example
 * ```ts
 * const options: RedisSetOptions = { condition: 'NX', expiration: { type: 'PX', value: 300_000 } };
 * ```
 */
export interface RedisSetOptions {
  condition?: 'NX';
  expiration: { type: 'PX'; value: number };
}

/**
 * The part of a Redis client the stores use. A node-redis client (`createClient`), cluster
 * (`createCluster`) or Sentinel (`createSentinel`) fits as it is; any other client fits through a
 * three-line wrapper (see the README for ioredis).
 *
 * `set` resolves `'OK'` when the value was written and `null` when `NX` kept it from being written.
 * `withAbortSignal` (node-redis client) or `withCommandOptions` (node-redis cluster and Sentinel), when
 * present, lets the store take a timed-out command out of the client's offline queue, so that a command
 * given up on is never sent later.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client: RedisStoreClient = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * ```
 */
export interface RedisStoreClient {
  set(key: string, value: string, options: RedisSetOptions): Promise<unknown>;
  get(key: string): Promise<unknown>;
  withAbortSignal?(signal: AbortSignal): RedisStoreClient;
  withCommandOptions?(options: { abortSignal: AbortSignal }): RedisStoreClient;
}

/** The client with `signal` attached to the next command, in whichever way this client offers. */
function withSignal(client: RedisStoreClient, signal: AbortSignal): RedisStoreClient {
  if (typeof client.withAbortSignal === 'function') return client.withAbortSignal(signal);
  if (typeof client.withCommandOptions === 'function') return client.withCommandOptions({ abortSignal: signal });
  return client;
}

/**
 * Runs one command with a deadline: resolves with its reply, or rejects with a {@link RedisStoreError}
 * no later than `timeout` ms from now, whatever the client does. On timeout the command's abort signal
 * fires, which node-redis uses to drop it from its queue if it has not been written yet.
 */
export function boundedCommand<T>(
  client: RedisStoreClient,
  command: 'SET' | 'GET',
  timeout: number,
  run: (client: RedisStoreClient) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort();
      reject(new RedisStoreError('timeout', command, `Portcullis: Redis did not answer ${command} within ${timeout} ms`));
    }, timeout);
    let pending: Promise<T>;
    try {
      pending = run(withSignal(client, controller.signal));
    } catch (error) {
      pending = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    pending.then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // After our own timeout fired, the client's AbortError is the echo of it: the promise has settled.
        if (controller.signal.aborted) return;
        // node-redis leaves `name` as 'Error' on its own classes; the constructor says which one it was.
        const reason = error instanceof Error ? `${error.name === 'Error' ? error.constructor.name : error.name}: ${error.message}` : 'unknown error';
        reject(new RedisStoreError('unavailable', command, `Portcullis: Redis ${command} failed (${reason})`, { cause: error }));
      },
    );
  });
}
