import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_MODES, HUGE_BODY_BYTES, startFakeIssuer } from '../src/index.js';
import type { FakeIssuer, FaultMode, FaultModeOptions } from '../src/index.js';

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer({ issuerPath: '/realms/faults' });
});
afterAll(async () => {
  await issuer.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

interface Endpoint {
  name: string;
  url: () => string;
  setMode: (mode: FaultMode, options?: FaultModeOptions) => void;
  count: () => number;
  empty: Record<string, unknown>;
  isNormal: (body: Record<string, unknown>) => boolean;
}

const endpoints: Endpoint[] = [
  {
    name: 'JWKS',
    url: () => issuer.jwksUri,
    setMode: (mode, options) => issuer.setJwksMode(mode, options),
    count: () => issuer.stats.jwksRequests,
    empty: { keys: [] },
    isNormal: (body) => Array.isArray(body.keys) && body.keys.length === issuer.kids().length && body.keys.length > 0,
  },
  {
    name: 'metadata',
    url: () => issuer.metadataUrl,
    setMode: (mode, options) => issuer.setMetadataMode(mode, options),
    count: () => issuer.stats.metadataRequests,
    empty: {},
    isNormal: (body) => body.issuer === issuer.url,
  },
];

describe.each(endpoints)('$name fault modes', (endpoint) => {
  afterEach(() => {
    endpoint.setMode('up');
  });

  it('happy flow: up answers 200 with the document', async () => {
    const response = await fetch(endpoint.url());
    expect(response.status).toBe(200);
    expect(endpoint.isNormal((await response.json()) as Record<string, unknown>)).toBe(true);
  });

  it.each([
    ['down', 503],
    ['error', 500],
  ] as const)('error flow: %s answers %i', async (mode, status) => {
    endpoint.setMode(mode);
    expect((await fetch(endpoint.url())).status).toBe(status);
    endpoint.setMode('up');
    expect((await fetch(endpoint.url())).status).toBe(200);
  });

  it('error flow: hang never answers, so the client times out', async () => {
    endpoint.setMode('hang');
    const error = await rejection(fetch(endpoint.url(), { signal: AbortSignal.timeout(200) }));
    expect((error as Error).name).toBe('TimeoutError');
  });

  it('error flow: slow answers correctly, but not before delayMs', async () => {
    endpoint.setMode('slow', { delayMs: 300 });
    const started = performance.now();
    const response = await fetch(endpoint.url());
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(endpoint.isNormal((await response.json()) as Record<string, unknown>)).toBe(true);
    // Lower bound only: timers never fire early, so this cannot flake on a busy machine.
    expect(elapsed).toBeGreaterThanOrEqual(295);
  });

  it('error flow: garbage is a 200 whose body is not JSON', async () => {
    endpoint.setMode('garbage');
    const response = await fetch(endpoint.url());
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it('error flow: empty and no-keys answer 200 with an empty document', async () => {
    endpoint.setMode('empty');
    const empty = await fetch(endpoint.url());
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual(endpoint.empty);
    endpoint.setMode('no-keys');
    const noKeys = await fetch(endpoint.url());
    expect(noKeys.status).toBe(200);
    expect(await noKeys.json()).toEqual({});
  });

  it('error flow: huge answers 200 with a valid JSON document of about 10 MB', async () => {
    endpoint.setMode('huge');
    const response = await fetch(endpoint.url());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    const body = await response.text();
    expect(Buffer.byteLength(body)).toBe(HUGE_BODY_BYTES);
    expect(endpoint.isNormal(JSON.parse(body) as Record<string, unknown>)).toBe(true);
  });

  it('error flow: reset drops the connection, so fetch fails', async () => {
    endpoint.setMode('reset');
    const error = await rejection(fetch(endpoint.url()));
    expect(error).toBeInstanceOf(TypeError);
    endpoint.setMode('up');
    expect((await fetch(endpoint.url())).status).toBe(200);
  });

  it('error flow: redirect answers 302 to another path, which serves the document', async () => {
    endpoint.setMode('redirect');
    const manual = await fetch(endpoint.url(), { redirect: 'manual' });
    expect(manual.status).toBe(302);
    const location = new URL(manual.headers.get('location')!, endpoint.url());
    expect(location.origin).toBe(new URL(endpoint.url()).origin);
    expect(location.pathname).not.toBe(new URL(endpoint.url()).pathname);

    const before = endpoint.count();
    const followed = await fetch(endpoint.url());
    expect(followed.status).toBe(200);
    expect(followed.redirected).toBe(true);
    expect(endpoint.isNormal((await followed.json()) as Record<string, unknown>)).toBe(true);
    expect(endpoint.count() - before).toBe(2);
  });

  it('error flow: an unknown mode or a bad delay is refused with a TypeError', () => {
    expect(() => endpoint.setMode('sideways' as FaultMode)).toThrow(TypeError);
    expect(() => endpoint.setMode('slow', { delayMs: -1 })).toThrow(/delayMs/);
  });
});

describe('fault modes seen by jose', () => {
  afterEach(() => {
    issuer.setJwksMode('up');
  });

  it.each([
    ['down', 'ERR_JOSE_GENERIC'],
    ['garbage', 'ERR_JOSE_GENERIC'],
    ['empty', 'ERR_JWKS_NO_MATCHING_KEY'],
    ['no-keys', 'ERR_JWKS_INVALID'],
    ['hang', 'ERR_JWKS_TIMEOUT'],
  ] as const)('error flow: with the JWKS %s, jose cannot verify a good token (%s)', async (mode, code) => {
    issuer.setJwksMode(mode);
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri), { timeoutDuration: 300 });
    const error = await rejection(jwtVerify(issuer.mint(), jwks, { issuer: issuer.url, audience: issuer.audience }));
    expect((error as { code?: string }).code).toBe(code);
  });
});

describe('modes and close', () => {
  it('happy flow: FAULT_MODES lists every mode once', () => {
    expect(new Set(FAULT_MODES).size).toBe(11);
  });

  it('happy flow: close ends hanging and slow requests instead of waiting for them', async () => {
    const own = await startFakeIssuer();
    own.setJwksMode('hang');
    own.setMetadataMode('slow', { delayMs: 60_000 });
    const hanging = rejection(fetch(own.jwksUri));
    const slow = rejection(fetch(own.metadataUrl));
    // Both requests are in the server before it closes.
    for (let i = 0; i < 100 && own.stats.jwksRequests + own.stats.metadataRequests < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(own.stats).toEqual({ jwksRequests: 1, metadataRequests: 1, tokenRequests: 0, introspectionRequests: 0, introspectionPeakInFlight: 0, revocationRequests: 0 });
    await own.close();
    expect(await hanging).toBeInstanceOf(TypeError);
    expect(await slow).toBeInstanceOf(TypeError);
    await own.close();
    expect(await rejection(fetch(own.jwksUri))).toBeInstanceOf(TypeError);
  });
});

describe('stats', () => {
  it('happy flow: counts JWKS, metadata (both URLs) and token requests live, and resets', async () => {
    const own = await startFakeIssuer();
    try {
      const stats = own.stats;
      expect(stats).toEqual({ jwksRequests: 0, metadataRequests: 0, tokenRequests: 0, introspectionRequests: 0, introspectionPeakInFlight: 0, revocationRequests: 0 });
      await fetch(own.jwksUri);
      await fetch(own.jwksUri, { method: 'HEAD' });
      await fetch(own.metadataUrl);
      await fetch(own.openidConfigurationUrl);
      await fetch(own.openidConfigurationUrl);
      await fetch(own.tokenEndpoint, { method: 'POST' });
      await fetch(`${own.url}/unrelated`);
      expect(stats).toEqual({ jwksRequests: 2, metadataRequests: 3, tokenRequests: 1, introspectionRequests: 0, introspectionPeakInFlight: 0, revocationRequests: 0 });
      own.setJwksMode('down');
      await fetch(own.jwksUri);
      expect(own.stats.jwksRequests).toBe(3);

      own.resetStats();
      expect(stats).toEqual({ jwksRequests: 0, metadataRequests: 0, tokenRequests: 0, introspectionRequests: 0, introspectionPeakInFlight: 0, revocationRequests: 0 });
      await jwtVerify(own.mint(), createRemoteJWKSet(new URL(own.jwksUri)), { issuer: own.url }).catch(() => undefined);
      expect(own.stats.jwksRequests).toBe(1);
    } finally {
      await own.close();
    }
  });
});
