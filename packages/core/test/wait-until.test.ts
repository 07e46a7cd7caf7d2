import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { JwksCache, createCachedKeySource, createVerifier, resolveJwksCacheOptions, type JwksDocumentCache } from '../src/index.js';

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

/** The Cache API's match/put over a Map of Response bodies: the store a Worker's caches.default is. */
function memoryCache(): JwksDocumentCache & { entries: Map<string, { body: string; headers: [string, string][] }> } {
  const entries = new Map<string, { body: string; headers: [string, string][] }>();
  return {
    entries,
    match: (url) => {
      const entry = entries.get(url);
      return Promise.resolve(entry === undefined ? undefined : new Response(entry.body, { headers: entry.headers }));
    },
    put: async (url, response) => {
      entries.set(url, { body: await response.text(), headers: [...response.headers] });
    },
  };
}

describe('jwks.waitUntil', () => {
  it('happy flow: a background refresh past cacheMaxAge is handed to waitUntil; the first, awaited fetch is not', async () => {
    let now = 1_000_000;
    const handed: Promise<unknown>[] = [];
    const cache = new JwksCache(issuer.jwksUri, { now: () => now, waitUntil: (promise) => void handed.push(promise) });
    try {
      const before = issuer.stats.jwksRequests;
      expect((await cache.load(undefined)).length).toBeGreaterThan(0);
      expect(handed).toHaveLength(0);
      now += 600_001;
      expect(cache.peek(undefined)?.length).toBeGreaterThan(0);
      expect(handed).toHaveLength(1);
      await handed[0];
      expect(issuer.stats.jwksRequests).toBe(before + 2);
    } finally {
      cache.close();
    }
  });

  it('error flow: a waitUntil that is no function is a TypeError naming it', () => {
    expect(() => resolveJwksCacheOptions({ waitUntil: 1 as never })).toThrow(/jwks\.waitUntil/);
  });
});

describe('createCachedKeySource (a Cache API-shaped store)', () => {
  it('happy flow: a second source on the same cache (a new isolate) verifies without asking the issuer', async () => {
    const cache = memoryCache();
    const make = () => createVerifier({ issuer: [{ issuer: issuer.url, keySource: createCachedKeySource({ jwksUri: issuer.jwksUri, cache }) }], audience: issuer.audience });
    const before = issuer.stats.jwksRequests;
    const first = make();
    await first.verify(issuer.mint({}));
    first.close();
    expect(issuer.stats.jwksRequests).toBe(before + 1);
    expect([...cache.entries.keys()]).toEqual([issuer.jwksUri]);
    expect(cache.entries.get(issuer.jwksUri)!.headers).toContainEqual(['cache-control', 'max-age=4200']);
    const second = make();
    await second.verify(issuer.mint({}, { alg: 'ES256' }));
    second.close();
    expect(issuer.stats.jwksRequests).toBe(before + 1);
  });

  it('error flow: a cache entry that is not a JWKS is ignored and the issuer is asked', async () => {
    const cache = memoryCache();
    cache.entries.set(issuer.jwksUri, { body: 'not json', headers: [['x-portcullis-fetched-at', String(Date.now())]] });
    const verifier = createVerifier({ issuer: [{ issuer: issuer.url, keySource: createCachedKeySource({ jwksUri: issuer.jwksUri, cache }) }], audience: issuer.audience });
    const before = issuer.stats.jwksRequests;
    await verifier.verify(issuer.mint({}));
    verifier.close();
    expect(issuer.stats.jwksRequests).toBe(before + 1);
  });

  it('error flow: options are checked at construction, by name', () => {
    expect(() => createCachedKeySource({ jwksUri: issuer.jwksUri, cache: {} as never })).toThrow(/keySource\.cache/);
    expect(() => createCachedKeySource({ jwksUri: issuer.jwksUri, cache: memoryCache(), maxAge: -1 })).toThrow(/keySource\.maxAge/);
    expect(() => createCachedKeySource({ jwksUri: issuer.jwksUri, cache: memoryCache(), waitUntil: 'x' as never })).toThrow(/keySource\.waitUntil/);
    expect(() => createCachedKeySource({ jwksUri: 'ftp://x', cache: memoryCache() })).toThrow(TypeError);
  });
});
