import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  AuthError,
  KeysUnavailableError,
  createVerifier,
  describeRequest,
  importVerificationKey,
  isAuthError,
  writeErrorResponse,
  type JwksFailureEvent,
  type KeySource,
  type KeySourceFailureEvent,
  type VerificationKey,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';

let issuer: FakeIssuer;
let key: VerificationKey;
const open: Verifier[] = [];

type UnavailableEvent = JwksFailureEvent | KeySourceFailureEvent;

/** A verifier whose only key source is `keySource`, with every `keys_unavailable` event collected. */
function verifierWith(keySource: KeySource, options: Partial<VerifierOptions> = {}): { verifier: Verifier; events: UnavailableEvent[] } {
  const verifier = createVerifier({ issuer: [{ issuer: issuer.url, keySource }], audience: issuer.audience, ...options } as VerifierOptions);
  open.push(verifier);
  const events: UnavailableEvent[] = [];
  verifier.on('keys_unavailable', (event) => events.push(event));
  return { verifier, events };
}

/** The settled outcome of a verification, without awaiting past what fake timers allow. */
function track(promise: Promise<unknown>): { settled: () => boolean; error: () => unknown; done: Promise<void> } {
  let settled = false;
  let failure: unknown;
  const done = promise.then(
    () => {
      settled = true;
    },
    (error: unknown) => {
      settled = true;
      failure = error;
    },
  );
  return { settled: () => settled, error: () => failure, done };
}

function expectKeysUnavailable(error: unknown, retryAfter = 5): KeysUnavailableError {
  expect(error).toBeInstanceOf(KeysUnavailableError);
  const unavailable = error as KeysUnavailableError;
  expect(unavailable).toMatchObject({ status: 503, code: 'keys_unavailable', reason: 'keys_unavailable' });
  expect(unavailable.headers['Retry-After']).toBe(String(retryAfter));
  return unavailable;
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const never = (): Promise<readonly VerificationKey[]> => new Promise(() => {});

beforeAll(async () => {
  issuer = await startFakeIssuer();
  key = importVerificationKey(issuer.publicJwk(issuer.currentKid('RS256')))!;
});
afterEach(() => {
  vi.useRealTimers();
  for (const verifier of open.splice(0)) verifier.close();
});
afterAll(async () => {
  await issuer.close();
});

describe('keySource: a load that never settles', () => {
  it('error flow: 503 keys_unavailable with Retry-After once the default jwks.timeout (5 000 ms) has passed, not before; one keys_unavailable event', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { verifier, events } = verifierWith({ peek: () => undefined, load: never });
    const outcome = track(verifier.verify(issuer.mint()));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await outcome.done;
    const error = expectKeysUnavailable(outcome.error());
    expect((error.cause as Error).message).toBe('keySource.load did not settle within 5000 ms');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ uri: undefined, issuer: issuer.url });
    expect(events[0]!.error).toBe(error.cause);
    expect(verifier.stats()).toMatchObject({ rejected: 1, rejectedByReason: { keys_unavailable: 1 } });
  });

  it('error flow: a configured jwks.timeout bounds the load, and jwks.errorCooldown is the Retry-After', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { verifier } = verifierWith({ peek: () => undefined, load: never }, { jwks: { timeout: 250, errorCooldown: 30_000 } });
    const outcome = track(verifier.verify(issuer.mint()));
    await vi.advanceTimersByTimeAsync(249);
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await outcome.done;
    expectKeysUnavailable(outcome.error(), 30);
  });

  it('error flow: a load that settles after the timeout is dropped: no second event, no unhandled rejection', async () => {
    const late: Array<() => void> = [];
    const source: KeySource = {
      peek: () => undefined,
      load: () => new Promise((_resolve, reject) => late.push(() => reject(new Error('too late')))),
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { verifier, events } = verifierWith(source, { jwks: { timeout: 50 } });
      expectKeysUnavailable(await refusal(verifier.verify(issuer.mint())));
      expect(late).toHaveLength(1);
      late[0]!();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events).toHaveLength(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('happy flow: a slow load that answers within the timeout verifies the token', async () => {
    const source: KeySource = {
      peek: () => undefined,
      load: () => new Promise((resolve) => setTimeout(() => resolve([key]), 30)),
    };
    const { verifier, events } = verifierWith(source, { jwks: { timeout: 2_000 } });
    expect((await verifier.verify(issuer.mint())).issuer).toBe(issuer.url);
    expect(events).toEqual([]);
  });
});

describe('keySource: a load that fails', () => {
  it('error flow: a load that rejects with a plain Error is 503 keys_unavailable (not a 401 blaming the token), the Error as cause and event', async () => {
    const failure = new Error('key store unreachable');
    const { verifier, events } = verifierWith({ peek: () => undefined, load: () => Promise.reject(failure) });
    const error = expectKeysUnavailable(await refusal(verifier.verify(issuer.mint())));
    expect(error.cause).toBe(failure);
    expect(events).toEqual([{ uri: undefined, issuer: issuer.url, error: failure }]);
  });

  it('error flow: a KeysUnavailableError the load rejects with is answered as it is (its own Retry-After), with the event', async () => {
    const own = new KeysUnavailableError({ retryAfter: 42, cause: new Error('vault sealed') });
    const { verifier, events } = verifierWith({ peek: () => undefined, load: () => Promise.reject(own) });
    const error = await refusal(verifier.verify(issuer.mint()));
    expect(error).toBe(own);
    expectKeysUnavailable(error, 42);
    expect(events).toHaveLength(1);
    expect(events[0]!.error).toBe(own);
  });

  it('error flow: a load that throws synchronously is a rejected promise with 503, never a synchronous throw', async () => {
    const { verifier, events } = verifierWith({
      peek: () => undefined,
      load: () => {
        throw new TypeError('bug in load');
      },
    });
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = verifier.verify(issuer.mint());
    }).not.toThrow();
    expectKeysUnavailable(await refusal(promise!));
    expect(events).toHaveLength(1);
  });

  it('error flow: a load that resolves to something other than a key list is 503, not a TypeError', async () => {
    const { verifier } = verifierWith({ peek: () => undefined, load: () => Promise.resolve({ keys: [] } as never) });
    const error = expectKeysUnavailable(await refusal(verifier.verify(issuer.mint())));
    expect((error.cause as Error).message).toBe('keySource.load did not give an array of keys');
  });

  it('error flow: a load that rejects with a non-Error value is 503 with an Error in the event', async () => {
    const { verifier, events } = verifierWith({
      peek: () => undefined,
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point: a source that rejects with a non-Error value
      load: () => Promise.reject('nope'),
    });
    expectKeysUnavailable(await refusal(verifier.verify(issuer.mint())));
    expect(events[0]!.error).toBeInstanceOf(Error);
  });
});

describe('keySource: a peek that throws', () => {
  it('error flow: a peek that throws synchronously is a rejected promise with 503 keys_unavailable and the event', async () => {
    const failure = new Error('bug in peek');
    const { verifier, events } = verifierWith({
      peek: () => {
        throw failure;
      },
      load: () => Promise.resolve([key]),
    });
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = verifier.verify(issuer.mint());
    }).not.toThrow();
    const error = expectKeysUnavailable(await refusal(promise!));
    expect(error.cause).toBe(failure);
    expect(events).toEqual([{ uri: undefined, issuer: issuer.url, error: failure }]);
  });

  it('error flow: a peek that starts throwing after a token was cached is 503 for that cached token too', async () => {
    let broken = false;
    const { verifier } = verifierWith({
      peek: () => {
        if (broken) throw new Error('cache backend gone');
        return [key];
      },
      load: () => Promise.resolve([key]),
    });
    const token = issuer.mint();
    await verifier.verify(token);
    expect(verifier.stats().tokenCache.size).toBe(1);
    broken = true;
    expectKeysUnavailable(await refusal(verifier.verify(token)));
  });

  it('error flow: over HTTP a throwing peek answers 503 with Retry-After and no challenge, never a 500', async () => {
    const { verifier } = verifierWith({
      peek: () => {
        throw new Error('bug in peek');
      },
      load: () => Promise.resolve([key]),
    });
    const server: Server = createServer((req, res) => {
      verifier.authenticate(describeRequest(req)).then(
        () => res.end('ok'),
        (error: unknown) => {
          if (isAuthError(error)) writeErrorResponse(res, error);
          else {
            res.statusCode = 500;
            res.end();
          }
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/`, { headers: { authorization: `Bearer ${issuer.mint()}` } });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.headers.get('www-authenticate')).toBeNull();
      expect(await answer.json()).toMatchObject({ error: 'keys_unavailable' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
