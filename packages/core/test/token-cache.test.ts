import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { AuthError, createVerifier, type Verifier, type VerifierOptions } from '../src/index.js';

let issuer: FakeIssuer;
const open: Verifier[] = [];

function verifierFor(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, ...options } as VerifierOptions);
  open.push(verifier);
  return verifier;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(() => {
  vi.useRealTimers();
  for (const verifier of open.splice(0)) verifier.close();
});
afterAll(async () => {
  await issuer.close();
});

describe('verified-token cache', () => {
  it('happy flow: a repeated token is a cache hit and gives the same frozen AccessToken', async () => {
    const verifier = verifierFor();
    const token = issuer.mint({ scope: 'a b' });
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toBe(first);
    expect(verifier.stats().tokenCache).toMatchObject({ hits: 1, misses: 1, size: 1 });
    expect(Object.isFrozen(first.claims)).toBe(true);
    expect(() => {
      (first.claims as Record<string, unknown>).scope = 'admin';
    }).toThrow(TypeError);
  });

  it('error flow: a cached token still expires: the time claims are checked on every hit', async () => {
    const verifier = verifierFor({ clockTolerance: 0 });
    const token = issuer.mint({}, { lifetime: 60 });
    await verifier.verify(token);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    expect(await reasonOf(verifier.verify(token))).toBe('expired');
    expect(verifier.stats().tokenCache.size).toBe(0);
    // The entry found but no longer good is a miss: the token took the full path.
    expect(verifier.stats().tokenCache).toMatchObject({ hits: 0, misses: 2 });
  });

  it('error flow: a cached token whose key left the JWKS is refused once the key set is refreshed', async () => {
    const verifier = verifierFor({ jwks: { cooldown: 0 } });
    const kid = issuer.rotateKeys()[0]!;
    const token = issuer.mint({}, { kid });
    expect(await reasonOf(verifier.verify(token))).toBe('accepted');
    issuer.removeKey(kid);
    // An unknown kid makes the verifier refetch the key set, which no longer has the removed key.
    expect(await reasonOf(verifier.verify(issuer.mint({}, { kid: 'unknown-kid' })))).toBe('unknown_key');
    expect(await reasonOf(verifier.verify(token))).toBe('unknown_key');
    issuer.rotateKeys(); // the removed key was the current RSA key: give later tests a published one
  });

  it('happy flow: validate runs on cache hits too', async () => {
    let calls = 0;
    const verifier = verifierFor({
      validate: () => {
        calls++;
        return calls < 2;
      },
    });
    const token = issuer.mint();
    expect(await reasonOf(verifier.verify(token))).toBe('accepted');
    expect(await reasonOf(verifier.verify(token))).toBe('custom_validation_failed');
  });

  it('happy flow: tokenCache false verifies every time; invalid tokens are never cached', async () => {
    const off = verifierFor({ tokenCache: false });
    const token = issuer.mint();
    await off.verify(token);
    await off.verify(token);
    expect(off.stats().tokenCache).toEqual({ hits: 0, misses: 0, size: 0 });
    const on = verifierFor();
    const expired = issuer.mint({}, { lifetime: -60 });
    await reasonOf(on.verify(expired));
    await reasonOf(on.verify(expired));
    expect(on.stats().tokenCache.size).toBe(0);
  });

  it('happy flow: the cache is bounded by its entry count', async () => {
    const verifier = verifierFor({ tokenCache: { max: 10 } });
    for (let i = 0; i < 50; i++) await verifier.verify(issuer.mint({ sub: `s${i}` }));
    expect(verifier.stats().tokenCache.size).toBe(10);
  });

  it('happy flow: a full cache admits a new token on its second sighting, and then serves it', async () => {
    const verifier = verifierFor({ tokenCache: { max: 2 } });
    for (const sub of ['a', 'b']) await verifier.verify(issuer.mint({ sub }));
    expect(verifier.stats().tokenCache).toMatchObject({ hits: 0, misses: 2, size: 2 });
    const token = issuer.mint({ sub: 'c' });
    const first = await verifier.verify(token); // seen once: not cached, the cache stays as it was
    const second = await verifier.verify(token); // seen again: cached now
    expect(second).not.toBe(first);
    expect(await verifier.verify(token)).toBe(second);
    expect(verifier.stats().tokenCache).toMatchObject({ hits: 1, misses: 4, size: 2 });
  });

  it('error flow: bad tokenCache settings are a TypeError naming the option', () => {
    expect(() => verifierFor({ tokenCache: { max: 0 } })).toThrow(/tokenCache\.max/);
    expect(() => verifierFor({ tokenCache: 'yes' as never })).toThrow(/tokenCache/);
  });
});
