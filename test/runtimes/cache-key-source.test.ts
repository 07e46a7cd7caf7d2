/**
 * createCachedKeySource on workerd (miniflare): the JWKS kept in the Workers Cache API outlives the
 * isolate (a new runtime process on the same cache asks the issuer nothing), and a refresh past
 * `maxAge` is handed to `waitUntil` and completes after the response.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { HERE, requireBinary, startRuntime, type RuntimeHost } from './harness.js';

const binary = requireBinary('workerd');

describe.skipIf(binary === undefined)('createCachedKeySource on workerd (Cache API, waitUntil)', () => {
  let issuer: FakeIssuer;
  let cacheDir: string;
  const hosts: RuntimeHost[] = [];

  beforeAll(async () => {
    issuer = await startFakeIssuer();
    cacheDir = mkdtempSync(join(tmpdir(), 'portcullis-cache-'));
  });
  afterAll(async () => {
    for (const host of hosts) await host.close();
    await issuer?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  /** A new workerd process (a new isolate) whose Cache API is persisted in `cacheDir`. */
  async function isolate(maxAge: number): Promise<RuntimeHost> {
    const host = await startRuntime('workerd', binary!, {
      serveEntry: '',
      workerEntry: join(HERE, 'fixtures', 'cache-worker.mjs'),
      config: { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, maxAge },
      miniflare: { cachePersist: cacheDir },
    });
    hosts.push(host);
    return host;
  }

  const verify = async (host: RuntimeHost, alg: 'RS256' | 'ES256' | 'EdDSA' = 'RS256') =>
    (await host.fetch('/orders', { headers: { authorization: `Bearer ${issuer.mint({}, { alg })}` } })).json();

  it('the first isolate fetches the JWKS once; a second isolate on the same cache fetches nothing', async () => {
    const first = await isolate(600);
    expect(await verify(first)).toEqual({ ok: true, alg: 'RS256' });
    expect(await verify(first, 'ES256')).toEqual({ ok: true, alg: 'ES256' });
    expect(issuer.stats.jwksRequests).toBe(1);
    await first.close();

    const second = await isolate(600);
    expect(await verify(second, 'EdDSA')).toEqual({ ok: true, alg: 'EdDSA' });
    expect(await verify(second)).toEqual({ ok: true, alg: 'RS256' });
    expect(issuer.stats.jwksRequests).toBe(1);
    expect(issuer.stats.metadataRequests).toBe(0);
  });

  it('past maxAge the cached keys answer at once and the refresh, handed to waitUntil, completes after the response', async () => {
    const host = await isolate(0);
    const before = issuer.stats.jwksRequests;
    // Loads from the cache (no fetch), then the next request finds the keys past maxAge 0.
    expect(await verify(host)).toEqual({ ok: true, alg: 'RS256' });
    expect(await verify(host)).toEqual({ ok: true, alg: 'RS256' });
    // Bounded wait for the background fetch: 50 polls of 100 ms.
    for (let i = 0; i < 50 && issuer.stats.jwksRequests === before; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(issuer.stats.jwksRequests).toBeGreaterThan(before);
  });

  it('a token signed with a key published after the document was cached is accepted after one refetch', async () => {
    const host = await isolate(600);
    issuer.rotateKeys();
    const before = issuer.stats.jwksRequests;
    expect(await verify(host)).toEqual({ ok: true, alg: 'RS256' });
    expect(issuer.stats.jwksRequests).toBe(before + 1);
  });
});
