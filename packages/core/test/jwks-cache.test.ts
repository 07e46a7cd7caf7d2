import type { JsonWebKey } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeysUnavailableError } from '../src/errors/errors.js';
import { FetchError, fetchJson } from '../src/lib/fetch-json.js';
import { JwksCache, JwksError, getSharedJwksCache } from '../src/keys/jwks-cache.js';
import type { JwksCacheInit, JwksFailureEvent, JwksStaleEvent } from '../src/keys/jwks-cache.js';
import { ecJwk, manualClock, rsaJwk, sendJson, startJwksServer } from './helpers/jwks-server.js';
import type { JwksMode, JwksServer } from './helpers/jwks-server.js';

const rsa = rsaJwk('r1');
let server: JwksServer;
let clock: ReturnType<typeof manualClock>;
const toClose: { close(): void }[] = [];

function keySet(): JsonWebKey[] {
  return [ecJwk('k1'), ecJwk('k2'), rsa];
}

function newCache(options: JwksCacheInit = {}, uri = server.jwksUri): JwksCache {
  const cache = new JwksCache(uri, { now: clock.now, ...options });
  toClose.push(cache);
  return cache;
}

/** Records the events of a cache. */
function record(cache: JwksCache): { failed: JwksFailureEvent[]; stale: JwksStaleEvent[]; unavailable: JwksFailureEvent[]; fetched: number } {
  const log = { failed: [] as JwksFailureEvent[], stale: [] as JwksStaleEvent[], unavailable: [] as JwksFailureEvent[], fetched: 0 };
  cache.on('jwks_refresh_failed', (e) => log.failed.push(e));
  cache.on('jwks_stale', (e) => log.stale.push(e));
  cache.on('keys_unavailable', (e) => log.unavailable.push(e));
  cache.on('jwks_fetched', () => (log.fetched += 1));
  return log;
}

function randomKid(i: number): string {
  return `unknown-${i}-${Math.random().toString(36).slice(2)}`;
}

beforeEach(async () => {
  server = await startJwksServer(keySet());
  clock = manualClock();
});

afterEach(async () => {
  for (const item of toClose.splice(0)) item.close();
  await server.close();
});

describe('JwksCache: happy flows', () => {
  it('a cold peek asks for a load; the load fetches once and later peeks answer from memory', async () => {
    const cache = newCache();
    const fetched = once(cache, 'jwks_fetched');
    expect(cache.peek('k1')).toBeUndefined();
    const keys = await cache.load('k1');
    expect(keys.map((k) => k.kid)).toEqual(['k1']);
    const [event] = (await fetched) as [{ uri: string; keyCount: number; durationMs: number }];
    expect(event).toMatchObject({ uri: server.jwksUri, keyCount: 3 });
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(cache.peek('k1')).toBe(keys);
    expect(cache.peek(undefined)?.map((k) => k.kid)).toEqual(['k1', 'k2', 'r1']);
    expect(server.hits()).toBe(1);
    expect(cache.stats()).toEqual({ fetches: 1, fetchFailures: 0, keyCount: 3, lastFetchAt: clock.now(), stale: false });
  });

  it('500 concurrent loads on a cold cache share one fetch', async () => {
    const cache = newCache();
    const kids = ['k1', 'k2', 'r1', undefined];
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => cache.load(kids[i % kids.length])));
    expect(server.hits()).toBe(1);
    results.forEach((keys, i) => {
      const kid = kids[i % kids.length];
      expect(keys.length).toBe(kid === undefined ? 3 : 1);
      if (kid !== undefined) expect(keys[0]?.kid).toBe(kid);
    });
  });

  it('1,000 unknown kids cause one refetch, then at most one per cooldown', async () => {
    const cache = newCache({ cooldown: 10_000 });
    await cache.load(undefined);
    expect(server.hits()).toBe(1);

    // The first unknown kid refetches at once (it may be a key published since); the flood shares it.
    expect(cache.peek(randomKid(0))).toBeUndefined();
    const first = await Promise.all(Array.from({ length: 1_000 }, (_, i) => cache.load(randomKid(i))));
    expect(first.every((keys) => keys.length === 0)).toBe(true);
    expect(server.hits()).toBe(2);
    // Within the cooldown of that refetch: answered [] from memory, no fetch.
    clock.advance(9_999);
    for (let i = 0; i < 1_000; i++) expect(cache.peek(randomKid(i))).toEqual([]);
    const early = await Promise.all(Array.from({ length: 1_000 }, (_, i) => cache.load(randomKid(i))));
    expect(early.every((keys) => keys.length === 0)).toBe(true);
    expect(server.hits()).toBe(2);

    for (let round = 1; round <= 3; round++) {
      clock.advance(10_001);
      expect(cache.peek(randomKid(round))).toBeUndefined(); // a refetch is allowed now
      const flood = await Promise.all(Array.from({ length: 1_000 }, (_, i) => cache.load(randomKid(i))));
      expect(flood.every((keys) => keys.length === 0)).toBe(true);
      const after = await Promise.all(Array.from({ length: 100 }, (_, i) => cache.load(randomKid(i))));
      expect(after.every((keys) => keys.length === 0)).toBe(true);
      expect(server.hits()).toBe(2 + round);
    }
  });

  it('measured: a flood of random kids for 10 minutes costs 6 fetches a minute with the default cooldown', async () => {
    const cache = newCache({ cacheMaxAge: 3_600_000 });
    await cache.load(undefined);
    // 100 random kids every 100 ms (1,000 a second) for 600 s of the fake clock.
    const perMinute: number[] = [];
    let before = server.hits();
    for (let tick = 1; tick <= 6_000; tick++) {
      clock.advance(100);
      await Promise.all(Array.from({ length: 100 }, (_, i) => cache.load(randomKid(i))));
      if (tick % 600 === 0) {
        perMinute.push(server.hits() - before);
        before = server.hits();
      }
    }
    expect(perMinute).toEqual([6, 6, 6, 6, 6, 6, 6, 6, 6, 6]);
  });

  it('measured: after a hard key cut, the first token with the new kid is accepted with one fetch, however recent the last fetch', async () => {
    const cache = newCache();
    await cache.load('k1');
    clock.advance(1_000);
    // The issuer replaces every key; tokens now carry k9.
    server.keys = [ecJwk('k9')];
    expect(cache.peek('k9')).toBeUndefined();
    expect((await cache.load('k9')).map((k) => k.kid)).toEqual(['k9']);
    expect(server.hits()).toBe(2);
    // 100 more requests with the new kid: answered from memory.
    for (let i = 0; i < 100; i++) expect(cache.peek('k9')?.map((k) => k.kid)).toEqual(['k9']);
    expect(server.hits()).toBe(2);
  });

  it('measured: a new kid seen before the issuer publishes it is accepted one cooldown (10 s) after that first refetch', async () => {
    const cache = newCache();
    await cache.load('k1');
    // A token with k9 arrives before the JWKS has it (a lagging cache or replica at the issuer).
    expect(await cache.load('k9')).toEqual([]);
    expect(server.hits()).toBe(2);
    server.keys = [ecJwk('k9'), ...keySet()];
    let refused = 0;
    // One request a second until accepted.
    for (let second = 1; second <= 30; second++) {
      clock.advance(1_000);
      const keys = cache.peek('k9') ?? (await cache.load('k9'));
      if (keys.length > 0) break;
      refused++;
    }
    expect(refused).toBe(9);
    expect(server.hits()).toBe(3);
  });

  it('a rotated key (new kid) is picked up with one fetch', async () => {
    const cache = newCache({ cooldown: 30_000 });
    await cache.load('k1');
    clock.advance(30_001);
    server.keys = [ecJwk('k3'), rsa];
    expect(cache.peek('k3')).toBeUndefined();
    const keys = await cache.load('k3');
    expect(keys.map((k) => k.kid)).toEqual(['k3']);
    expect(server.hits()).toBe(2);
    // The withdrawn key is gone with the set it belonged to; no extra fetch within the cooldown.
    expect(await cache.load('k1')).toEqual([]);
    expect(server.hits()).toBe(2);
  });

  it('past max age the next access refreshes in the background while cached keys keep serving', async () => {
    const cache = newCache({ cacheMaxAge: 60_000 });
    const first = await cache.load('k1');
    clock.advance(60_000);
    server.setMode('slow', { delayMs: 150 });
    server.keys = [...server.keys, ecJwk('k4')];
    const refreshed = once(cache, 'jwks_fetched');

    // Served at once from memory, many times, with a single refresh under way.
    for (let i = 0; i < 50; i++) expect(cache.peek('k1')).toBe(first);
    expect(cache.stats().stale).toBe(true);
    expect(await cache.load('k1')).toBe(first);
    await refreshed;
    expect(server.hits()).toBe(2);
    expect(cache.peek('k4')?.map((k) => k.kid)).toEqual(['k4']);
    expect(cache.stats().stale).toBe(false);
  });

  it('an unchanged JWK keeps its KeyObject across refreshes', async () => {
    const cache = newCache({ cacheMaxAge: 1_000 });
    const [before] = await cache.load('k1');
    clock.advance(1_000);
    const refreshed = once(cache, 'jwks_fetched');
    cache.peek('k1');
    await refreshed;
    const [after] = cache.peek('k1')!;
    expect(server.hits()).toBe(2);
    expect(after).toBe(before);
  });

  it('skips unusable keys (oct, use enc, bad curve, 1024-bit RSA, malformed) and keeps the usable one', async () => {
    server.keys = [
      { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', kid: 'h' },
      { ...rsaJwk('enc'), use: 'enc' },
      { ...ecJwk('curve'), crv: 'P-192' },
      rsaJwk('small', 1024),
      { kty: 'EC', crv: 'P-256', kid: 'malformed', x: 'AA', y: 'AA' },
      'not an object' as unknown as JsonWebKey,
      ecJwk('good'),
    ];
    const cache = newCache();
    const all = await cache.load(undefined);
    expect(all.map((k) => k.kid)).toEqual(['good']);
    // The first unknown kid refetches once (the set is the same); the others wait for the cooldown.
    for (const kid of ['h', 'enc', 'curve', 'small', 'malformed']) expect(await cache.load(kid)).toEqual([]);
    expect(server.hits()).toBe(2);
    for (const kid of ['h', 'enc', 'curve', 'small', 'malformed']) expect(cache.peek(kid)).toEqual([]);
  });
});

describe('JwksCache: error flows', () => {
  it('outage after warm-up: stale keys serve through the stale window, then KeysUnavailableError', async () => {
    const cache = newCache({ cacheMaxAge: 10_000, staleIfError: 60_000, errorCooldown: 1_000 });
    const log = record(cache);
    const keys = await cache.load('k1');
    server.setMode('down');

    clock.advance(10_000);
    const failed = once(cache, 'jwks_refresh_failed');
    expect(cache.peek('k1')).toBe(keys); // triggers the refresh, serves meanwhile
    await failed;
    expect(log.stale).toEqual([{ uri: server.jwksUri, ageMs: 10_000 }]);
    // Further requests within the error cooldown neither refetch nor re-emit.
    for (let i = 0; i < 20; i++) expect(await cache.load('k1')).toBe(keys);
    expect(server.hits()).toBe(2);
    expect(log.stale).toHaveLength(1);

    // Later in the window: one more failed refresh, one more stale event, keys still served.
    clock.advance(49_999); // age 59 999 < 70 000
    const failedAgain = once(cache, 'jwks_refresh_failed');
    expect(await cache.load('k1')).toBe(keys);
    await failedAgain;
    expect(log.stale).toHaveLength(2);
    expect(cache.stats()).toMatchObject({ stale: true, fetchFailures: 2 });

    clock.advance(10_001); // age 70 000: the window is over
    expect(cache.peek('k1')).toBeUndefined();
    const error = await cache.load('k1').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect((error as KeysUnavailableError).status).toBe(503);
    expect((error as KeysUnavailableError).headers).toEqual({ 'Retry-After': '1', 'Cache-Control': 'no-store' });
    expect(log.unavailable).toHaveLength(1);
    expect(log.failed).toHaveLength(3);
    expect(server.hits()).toBe(4);
  });

  it('cold outage: KeysUnavailableError with Retry-After from the error cooldown', async () => {
    server.setMode('down');
    const cache = newCache({ errorCooldown: 5_000 });
    const log = record(cache);
    const error = (await cache.load('k1').catch((err: unknown) => err)) as KeysUnavailableError;
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect(error.retryAfter).toBe(5);
    expect(error.cause).toBeInstanceOf(FetchError);
    expect((error.cause as FetchError).kind).toBe('status');
    expect((error.cause as FetchError).status).toBe(500);
    expect(log.unavailable).toHaveLength(1);
    expect(log.failed).toHaveLength(1);
  });

  it('a hanging JWKS endpoint: the load rejects within the timeout, not later', async () => {
    server.setMode('hang');
    const cache = newCache({ timeout: 200 });
    const started = performance.now();
    const error = await cache.load('k1').catch((err: unknown) => err);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect(((error as KeysUnavailableError).cause as FetchError).kind).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('errorCooldown: during an outage a new fetch waits for the cooldown; Retry-After counts down', async () => {
    server.setMode('down');
    const cache = newCache({ errorCooldown: 5_000 });
    await expect(cache.load('k1')).rejects.toBeInstanceOf(KeysUnavailableError);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => cache.load('k1')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof KeysUnavailableError)).toBe(true);
    expect(server.hits()).toBe(1);

    clock.advance(2_000);
    const counting = (await cache.load('k1').catch((err: unknown) => err)) as KeysUnavailableError;
    expect(counting.retryAfter).toBe(3);
    expect(server.hits()).toBe(1);

    clock.advance(3_000);
    server.setMode('up');
    expect((await cache.load('k1')).map((k) => k.kid)).toEqual(['k1']);
    expect(server.hits()).toBe(2);
  });

  const failures: [JwksMode, string][] = [
    ['garbage', 'invalid_json'],
    ['huge', 'too_large'],
    ['redirect', 'status'],
    ['reset', 'network'],
    ['down', 'status'],
    ['not_jwks', 'not_a_jwks'],
    ['empty', 'no_usable_keys'],
  ];
  it.each(failures)('a %s response is a failed fetch that keeps the last good keys', async (mode, kind) => {
    const cache = newCache({ cooldown: 1_000 });
    const log = record(cache);
    const keys = await cache.load('k1');
    server.setMode(mode);
    clock.advance(1_001);
    expect(await cache.load('rotated')).toEqual([]);
    expect(log.failed).toHaveLength(1);
    const error = log.failed[0]!.error as FetchError | JwksError;
    expect(error.kind).toBe(kind);
    expect(error.message).not.toContain('SECRET-BODY-MARKER');
    expect(cache.peek('k1')).toBe(keys);
    expect(log.unavailable).toHaveLength(0);
    expect(server.hits('/jwks-elsewhere')).toBe(0); // a redirect is never followed
  });

  it.each(failures)('a %s response on a cold cache is a 503', async (mode) => {
    server.setMode(mode);
    const cache = newCache();
    await expect(cache.load(undefined)).rejects.toBeInstanceOf(KeysUnavailableError);
    // A connection reset is retried once on a fresh connection (fetch-json); anything else is not.
    expect(server.hits()).toBe(mode === 'reset' ? 2 : 1);
  });

  it('a JWKS with more entries than maxKeys is refused', async () => {
    const cache = newCache({ maxKeys: 2 });
    const log = record(cache);
    await expect(cache.load(undefined)).rejects.toBeInstanceOf(KeysUnavailableError);
    expect(log.failed[0]!.error).toBeInstanceOf(JwksError);
    expect((log.failed[0]!.error as JwksError).kind).toBe('too_many_keys');
    server.keys = server.keys.slice(0, 2);
    clock.advance(5_000);
    expect(await cache.load(undefined)).toHaveLength(2);
  });

  it('close aborts an in-flight fetch and leaves the cache unusable', async () => {
    server.setMode('hang');
    const cache = newCache({ timeout: 10_000 });
    const log = record(cache);
    const pending = cache.load('k1').catch((err: unknown) => err);
    for (let i = 0; i < 200 && server.hits() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.hits()).toBe(1);
    const started = performance.now();
    cache.close();
    const error = await pending;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect(cache.closed).toBe(true);
    expect(log.failed).toHaveLength(0);
    expect(cache.peek('k1')).toBeUndefined();
    await expect(cache.load('k1')).rejects.toBeInstanceOf(KeysUnavailableError);
    expect(server.hits()).toBe(1);
  });

  it('a throwing listener does not break key loading', async () => {
    const cache = newCache();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      cache.on('jwks_fetched', () => {
        throw new Error('listener bug');
      });
      expect(await cache.load('k1')).toHaveLength(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.message)).toContain('listener bug');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('options are checked once, with a TypeError naming the option', () => {
    expect(() => new JwksCache(server.jwksUri, { cooldown: -1 })).toThrow(/jwks\.cooldown/);
    expect(() => new JwksCache(server.jwksUri, { timeout: Number.NaN })).toThrow(/jwks\.timeout/);
    expect(() => new JwksCache(server.jwksUri, { maxKeys: 1.5 })).toThrow(/jwks\.maxKeys/);
    expect(() => new JwksCache('ftp://example.com/jwks', {})).toThrow(TypeError);
    expect(() => new JwksCache('not a url', {})).toThrow(/jwksUri/);
  });
});

describe('getSharedJwksCache', () => {
  it('returns one cache per URI and option values, reference counted; the last release closes it', () => {
    const a = getSharedJwksCache(server.jwksUri, { cooldown: 10_000 });
    const b = getSharedJwksCache(server.jwksUri, { cooldown: 10_000 });
    const other = getSharedJwksCache(server.jwksUri, { cooldown: 20_000 });
    expect(b.cache).toBe(a.cache);
    expect(other.cache).not.toBe(a.cache);
    a.release();
    a.release(); // a second release of the same handle does not count
    expect(a.cache.closed).toBe(false);
    b.release();
    expect(a.cache.closed).toBe(true);
    const c = getSharedJwksCache(server.jwksUri, { cooldown: 10_000 });
    expect(c.cache).not.toBe(a.cache);
    expect(c.cache.closed).toBe(false);
    c.release();
    other.release();
    expect(other.cache.closed).toBe(true);
  });

  it('shares the key set: two users of one URI cause one fetch', async () => {
    const a = getSharedJwksCache(server.jwksUri);
    const b = getSharedJwksCache(server.jwksUri);
    try {
      await Promise.all([a.cache.load('k1'), b.cache.load('k2')]);
      expect(server.hits()).toBe(1);
    } finally {
      a.release();
      b.release();
    }
  });

  it('a custom fetch or clock gets a private cache that release closes', () => {
    const a = getSharedJwksCache(server.jwksUri, { fetch: globalThis.fetch });
    const b = getSharedJwksCache(server.jwksUri, { fetch: globalThis.fetch });
    const c = getSharedJwksCache(server.jwksUri, { now: clock.now });
    expect(a.cache).not.toBe(b.cache);
    expect(c.cache).not.toBe(a.cache);
    for (const handle of [a, b, c]) handle.release();
    expect([a, b, c].every((h) => h.cache.closed)).toBe(true);
  });
});

describe('fetchJson', () => {
  const options = { timeout: 2_000, maxBytes: 1_024 };

  it('happy flow: GETs JSON with Accept: application/json', async () => {
    let accept: string | undefined;
    server.route('/doc', (req, res) => {
      accept = req.headers.accept;
      sendJson(res, 200, { ok: true });
    });
    expect(await fetchJson(`${server.url}/doc`, options)).toEqual({ ok: true });
    expect(accept).toBe('application/json');
  });

  it('error flow: a declared Content-Length over the cap fails before the body is read', async () => {
    server.route('/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10 * 1024 * 1024 });
      res.write('{"keys":[');
      // The rest never comes: only the header can make this fail fast.
    });
    const error = (await fetchJson(`${server.url}/big`, options).catch((err: unknown) => err)) as FetchError;
    expect(error).toBeInstanceOf(FetchError);
    expect(error.kind).toBe('too_large');
  });

  it('error flow: only http and https URLs are fetched; credentials and query stay out of messages', async () => {
    await expect(fetchJson('file:///etc/passwd', options)).rejects.toMatchObject({ kind: 'invalid_url' });
    const port = new URL(server.url).port;
    const withCredentials = (await fetchJson(`http://user:pw@127.0.0.1:${port}/doc`, options).catch((err: unknown) => err)) as FetchError;
    expect(withCredentials.kind).toBe('invalid_url');
    expect(withCredentials.message).not.toContain('pw');
    const withQuery = (await fetchJson(`${server.url}/missing?secret=1`, options).catch((err: unknown) => err)) as FetchError;
    expect(withQuery).toMatchObject({ kind: 'status', status: 404 });
    expect(withQuery.message).not.toContain('secret');
    expect(server.hits('/doc')).toBe(0);
  });

  it('error flow: an outer signal aborts the request with kind aborted', async () => {
    server.setMode('hang');
    const controller = new AbortController();
    const pending = fetchJson(server.jwksUri, { ...options, signal: controller.signal }).catch((err: unknown) => err);
    for (let i = 0; i < 200 && server.hits() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'aborted' });
  });

  it('error flow: an injected fetch that ignores the signal still times out', async () => {
    const neverFetch = (() => new Promise<Response>(() => undefined)) as typeof fetch;
    const error = await fetchJson(server.jwksUri, { timeout: 100, maxBytes: 1_024, fetch: neverFetch }).catch((err: unknown) => err);
    expect(error).toMatchObject({ kind: 'timeout' });
  });
});
