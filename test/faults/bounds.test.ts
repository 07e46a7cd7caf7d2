/**
 * Issue #5, bounds: every limit that keeps a hostile or broken peer from costing unbounded memory,
 * time or requests, at its documented default and configured (SECURITY.md, "Limits").
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_JWKS_CACHE_OPTIONS,
  DEFAULT_TOKEN_CACHE,
  DiscoveryError,
  FetchError,
  JwksError,
  createVerifier,
  resolveJwksCacheOptions,
  type Verifier,
  type VerifierOptions,
} from '@portcullis/core';
import { HUGE_BODY_BYTES, startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, listen, type RunningApp } from './helpers/apps.js';
import { trackUnhandledRejections } from './helpers/process-guards.js';
import { FaultRig } from './helpers/rig.js';

let issuer: FakeIssuer;
const open: Verifier[] = [];
const servers: RunningApp[] = [];
const unhandled = trackUnhandledRejections();

function verifierFor(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, ...options } as VerifierOptions);
  open.push(verifier);
  return verifier;
}

/** Settles a verification: 'ok' or the rejection's reason. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { reason?: string }).reason ?? `not an AuthError: ${String(error)}`;
  }
}

/** The first `jwks_refresh_failed` or `discovery_failed` error of a verification. */
async function failureOf(verifier: Verifier, token: string): Promise<Error | undefined> {
  let failure: Error | undefined;
  verifier.on('jwks_refresh_failed', ({ error }) => (failure ??= error));
  verifier.on('discovery_failed', ({ error }) => (failure ??= error));
  await outcome(verifier.verify(token));
  return failure;
}

/** A loopback server answering every request with `handler`; counts requests and the most in flight at once. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RunningApp & { requests: number; maxInFlight: number }> {
  const state = { requests: 0, inFlight: 0, maxInFlight: 0 };
  const app = await listen(
    createServer((req, res) => {
      state.requests += 1;
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      res.on('close', () => (state.inFlight -= 1));
      handler(req, res);
    }),
  );
  servers.push(app);
  return {
    url: app.url,
    close: () => app.close(),
    get requests() {
      return state.requests;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
  };
}

function sendJson(res: ServerResponse, body: string, delayMs = 0): void {
  const send = (): void => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (delayMs > 0) setTimeout(send, delayMs);
  else send();
}

/** A JWKS of `count` entries: the issuer's current RS256 key first, then copies under other kids. */
function jwksOf(count: number): string {
  const rsa = issuer.publicJwk(issuer.currentKid('RS256'));
  return JSON.stringify({ keys: Array.from({ length: count }, (_, i) => (i === 0 ? rsa : { ...rsa, kid: `copy-${i}` })) });
}

/**
 * A valid token of exactly `length` characters. Base64url cannot make every length from one segment,
 * so both the payload (a `pad` claim) and the header (an `x` parameter) are padded.
 */
function tokenOfLength(length: number): string {
  for (let headerPad = 0; headerPad < 4; headerPad++) {
    const header = { x: 'y'.repeat(headerPad) };
    const base = issuer.mint({ pad: '', jti: 'j' }, { header }).length;
    for (let pad = Math.max(0, Math.floor(((length - base) * 3) / 4) - 3); ; pad++) {
      const token = issuer.mint({ pad: 'x'.repeat(pad), jti: 'j' }, { header });
      if (token.length === length) return token;
      if (token.length > length) break;
    }
  }
  throw new Error(`no token of ${length} characters`);
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(async () => {
  for (const verifier of open.splice(0)) verifier.close();
  for (const server of servers.splice(0)) await server.close();
  issuer.setJwksMode('up');
  issuer.setMetadataMode('up');
  expect(unhandled.reasons).toEqual([]);
});
afterAll(async () => {
  await issuer.close();
});

describe('documented defaults', () => {
  it('JWKS cache: 10 min max age, 10 s unknown-kid cooldown, 5 s timeout, 1 h stale window, 5 s error cooldown, 512 KiB, 100 keys', () => {
    const expected = {
      cacheMaxAge: 600_000,
      cooldown: 10_000,
      timeout: 5_000,
      staleIfError: 3_600_000,
      errorCooldown: 5_000,
      maxResponseBytes: 512 * 1024,
      maxKeys: 100,
    };
    expect({ ...DEFAULT_JWKS_CACHE_OPTIONS }).toEqual(expected);
    expect(resolveJwksCacheOptions({})).toMatchObject(expected);
  });

  it('verified-token cache: 10 000 tokens, 16 MiB, 10 min', () => {
    expect({ ...DEFAULT_TOKEN_CACHE }).toEqual({ max: 10_000, maxBytes: 16 * 1024 * 1024, maxTtl: 600 });
  });

  it('error flow: a limit out of range is a TypeError naming the option', () => {
    expect(() => verifierFor({ maxTokenLength: 8 })).toThrow(/maxTokenLength/);
    expect(() => verifierFor({ jwks: { maxResponseBytes: 0 } })).toThrow(/jwks\.maxResponseBytes/);
    expect(() => verifierFor({ jwks: { maxKeys: 0 } })).toThrow(/jwks\.maxKeys/);
    expect(() => verifierFor({ jwks: { maxKeys: 1.5 } })).toThrow(/jwks\.maxKeys/);
    expect(() => verifierFor({ jwks: { timeout: 0 } })).toThrow(/jwks\.timeout/);
    expect(() => verifierFor({ jwksUri: undefined, discoveryMaxBytes: 0 })).toThrow(/discoveryMaxBytes/);
  });
});

describe('maxTokenLength (default 8192 characters)', () => {
  it('a token of 8192 characters passes; one over is refused before parsing, with no JWKS request', async () => {
    const atLimit = tokenOfLength(8192);
    const over = tokenOfLength(8193);
    const verifier = verifierFor();
    issuer.resetStats();
    expect(await outcome(verifier.verify(over))).toBe('token_too_large');
    expect(await outcome(verifier.verify(`${'A'.repeat(1_000_000)}.x.y`))).toBe('token_too_large');
    expect(issuer.stats.jwksRequests).toBe(0);
    expect(await outcome(verifier.verify(atLimit))).toBe('ok');
  });

  it('configurable: maxTokenLength 16384 accepts the 8193-character token', async () => {
    expect(await outcome(verifierFor({ maxTokenLength: 16_384 }).verify(tokenOfLength(8193)))).toBe('ok');
  });

  it.each(ADAPTERS.map((a) => [a.name, a] as const))('%s: 401 invalid_token for a token over the limit, 200 at the limit', async (_name, adapter) => {
    const rig = await FaultRig.start(adapter, issuer);
    try {
      const over = await rig.request(tokenOfLength(8193));
      expect(over.status).toBe(401);
      expect(over.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect((await rig.request(tokenOfLength(8192))).status).toBe(200);
      // An Authorization header over Node's 16 KiB header limit never reaches the adapter.
      const response = await fetch(`${rig.app.url}/protected`, { headers: { authorization: `Bearer ${'A'.repeat(20_000)}` } });
      expect(response.status).toBe(431);
    } finally {
      await rig.close();
    }
  });
});

describe('jwks.maxResponseBytes (default 512 KiB)', () => {
  it('a 10 MB JWKS streamed without Content-Length is refused as too large', async () => {
    issuer.setJwksMode('huge');
    const error = await failureOf(verifierFor(), issuer.mint());
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).kind).toBe('too_large');
  });

  it('the cap is exact: a JWKS of n bytes passes with maxResponseBytes n and fails with n - 1', async () => {
    const body = jwksOf(3);
    const server = await startServer((_req, res) => sendJson(res, body));
    const size = Buffer.byteLength(body);
    const uri = `${server.url}/jwks`;
    expect(await outcome(verifierFor({ jwksUri: uri, jwks: { maxResponseBytes: size } }).verify(issuer.mint()))).toBe('ok');
    const error = await failureOf(verifierFor({ jwksUri: uri, jwks: { maxResponseBytes: size - 1 } }), issuer.mint());
    expect((error as FetchError).kind).toBe('too_large');
  });

  it('configurable: with a cap above 10 MB the huge (valid) JWKS is accepted: the cap is what protects', async () => {
    issuer.setJwksMode('huge');
    const verifier = verifierFor({ jwks: { maxResponseBytes: HUGE_BODY_BYTES + 1024 } });
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('ok');
  });
});

describe('hostile JWKS bodies', () => {
  it('a gzip bomb (20 MB of JSON in ~20 KB of gzip) is cut at maxResponseBytes after decompression', async () => {
    const rsa = issuer.publicJwk(issuer.currentKid('RS256'));
    const bomb = gzipSync(Buffer.from(JSON.stringify({ keys: [rsa], padding: ' '.repeat(20 * 1024 * 1024) })));
    expect(bomb.length).toBeLessThan(512 * 1024);
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    });
    const error = await failureOf(verifierFor({ jwksUri: `${server.url}/jwks` }), issuer.mint());
    expect((error as FetchError).kind).toBe('too_large');
  });

  it('a body trickled a byte at a time never completes: the fetch is cut at the timeout (headers and body), 503', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    });
    const verifier = verifierFor({ jwksUri: `${server.url}/jwks`, jwks: { timeout: 300 } });
    const started = performance.now();
    const error = await failureOf(verifier, issuer.mint());
    // The only timed check of the suite's kind: no wait past the fetch timeout plus a margin for a loaded
    // machine (the trickle would otherwise last until the test times out).
    expect(performance.now() - started).toBeLessThan(300 + 1_500);
    expect((error as FetchError).kind).toBe('timeout');
  });

  it('deeply nested JSON, in a JWKS or in a token, is a failed fetch or a 401, never a crash', async () => {
    const nested = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const server = await startServer((_req, res) => sendJson(res, `{"keys":${nested}}`));
    expect(await outcome(verifierFor({ jwksUri: `${server.url}/jwks` }).verify(issuer.mint()))).toBe('keys_unavailable');
    const verifier = verifierFor();
    const deep = Buffer.from(`{"alg":"RS256","x":${'['.repeat(2_000)}${']'.repeat(2_000)}}`).toString('base64url');
    const [, payload, signature] = issuer.mint().split('.');
    expect(await outcome(verifier.verify(`${deep}.${payload}.${signature}`))).toBe('invalid_signature');
    const deepPayload = Buffer.from(`{"iss":${JSON.stringify(issuer.url)},"x":${'{"a":'.repeat(600)}1${'}'.repeat(600)}}`).toString('base64url');
    expect(await outcome(verifier.verify(`${issuer.mint().split('.')[0]}.${deepPayload}.${signature}`))).toBe('invalid_signature');
  });
});

describe('jwks.maxKeys (default 100)', () => {
  it('100 entries are accepted, 101 are refused as a failed fetch (too_many_keys): 503 when nothing is cached', async () => {
    const hundred = await startServer((_req, res) => sendJson(res, jwksOf(100)));
    expect(await outcome(verifierFor({ jwksUri: `${hundred.url}/jwks` }).verify(issuer.mint()))).toBe('ok');
    const more = await startServer((_req, res) => sendJson(res, jwksOf(101)));
    const verifier = verifierFor({ jwksUri: `${more.url}/jwks` });
    const error = await failureOf(verifier, issuer.mint());
    expect(error).toBeInstanceOf(JwksError);
    expect((error as JwksError).kind).toBe('too_many_keys');
    expect(await outcome(verifier.verify(issuer.mint()))).toBe('keys_unavailable');
  });

  it('configurable: maxKeys 5 refuses 6 entries and takes 5', async () => {
    const six = await startServer((_req, res) => sendJson(res, jwksOf(6)));
    expect(await outcome(verifierFor({ jwksUri: `${six.url}/jwks`, jwks: { maxKeys: 5 } }).verify(issuer.mint()))).toBe('keys_unavailable');
    const five = await startServer((_req, res) => sendJson(res, jwksOf(5)));
    expect(await outcome(verifierFor({ jwksUri: `${five.url}/jwks`, jwks: { maxKeys: 5 } }).verify(issuer.mint()))).toBe('ok');
  });
});

describe('discoveryMaxBytes (default 64 KiB)', () => {
  /** An authorization server whose metadata document is exactly `size` bytes; tokens name it as `iss`. */
  async function metadataServer(size: number): Promise<{ url: string; token: () => string }> {
    let origin = '';
    const server = await startServer((_req, res) => {
      const document = { issuer: origin, jwks_uri: issuer.jwksUri, padding: '' };
      const bare = Buffer.byteLength(JSON.stringify(document));
      sendJson(res, JSON.stringify({ ...document, padding: 'x'.repeat(Math.max(0, size - bare)) }));
    });
    origin = server.url;
    return { url: origin, token: () => issuer.mint({ iss: origin }) };
  }

  it('a 64 KiB document is accepted; one byte more fails discovery (too_large): 503', async () => {
    const exact = await metadataServer(64 * 1024);
    expect(await outcome(verifierFor({ issuer: exact.url, jwksUri: undefined }).verify(exact.token()))).toBe('ok');
    const over = await metadataServer(64 * 1024 + 1);
    const verifier = verifierFor({ issuer: over.url, jwksUri: undefined });
    const error = await failureOf(verifier, over.token());
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).attempts.map((a) => (a.error as FetchError | undefined)?.kind)).toEqual(['too_large', 'too_large']);
  });

  it('a 10 MB metadata document is refused', async () => {
    issuer.setMetadataMode('huge');
    const error = await failureOf(verifierFor({ jwksUri: undefined }), issuer.mint());
    expect((error as DiscoveryError).attempts.map((a) => (a.error as FetchError | undefined)?.kind)).toEqual(['too_large', 'too_large']);
  });

  it('configurable: discoveryMaxBytes 1 MiB accepts a 100 KiB document', async () => {
    const big = await metadataServer(100 * 1024);
    expect(await outcome(verifierFor({ issuer: big.url, jwksUri: undefined, discoveryMaxBytes: 1024 * 1024 }).verify(big.token()))).toBe('ok');
  });
});

describe('concurrent fetches: single flight, one per JWKS URI', () => {
  it('200 concurrent verifications on a cold cache make one JWKS request', async () => {
    issuer.setJwksMode('slow', { delayMs: 100 });
    issuer.resetStats();
    const verifier = verifierFor();
    const results = await Promise.all(Array.from({ length: 200 }, () => outcome(verifier.verify(issuer.mint()))));
    expect(new Set(results)).toEqual(new Set(['ok']));
    expect(issuer.stats.jwksRequests).toBe(1);
  });

  it('two verifiers on the same JWKS URI and settings share one cache: one request between them', async () => {
    issuer.setJwksMode('slow', { delayMs: 100 });
    issuer.resetStats();
    const a = verifierFor({ jwks: { cooldown: 12_345 } });
    const b = verifierFor({ jwks: { cooldown: 12_345 } });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => outcome((i % 2 === 0 ? a : b).verify(issuer.mint()))));
    expect(new Set(results)).toEqual(new Set(['ok']));
    expect(issuer.stats.jwksRequests).toBe(1);
  });

  it('with discovery: 100 concurrent cold verifications make one metadata and one JWKS request', async () => {
    issuer.setMetadataMode('slow', { delayMs: 50 });
    issuer.resetStats();
    const verifier = verifierFor({ jwksUri: undefined, jwks: { cooldown: 23_456 } });
    const results = await Promise.all(Array.from({ length: 100 }, () => outcome(verifier.verify(issuer.mint()))));
    expect(new Set(results)).toEqual(new Set(['ok']));
    expect(issuer.stats).toMatchObject({ metadataRequests: 1, jwksRequests: 1 });
  });

  it('never more than one fetch in flight per URI, even with every cooldown at 0 under a flood of unknown kids', async () => {
    const body = jwksOf(1);
    const server = await startServer((_req, res) => sendJson(res, body, 20));
    const verifier = verifierFor({ jwksUri: `${server.url}/jwks`, jwks: { cooldown: 0, errorCooldown: 0 } });
    for (let wave = 0; wave < 3; wave++) {
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => outcome(verifier.verify(issuer.mint({}, { kid: `flood-${wave}-${i}` })))));
      expect(new Set(results)).toEqual(new Set(['unknown_key']));
    }
    expect(server.maxInFlight).toBe(1);
    expect(server.requests).toBeGreaterThanOrEqual(3);
    expect(server.requests).toBeLessThanOrEqual(300);
  });
});

describe('verified-token cache bounds', () => {
  it('holds no more than tokenCache.max entries; refused tokens are never cached', async () => {
    const verifier = verifierFor({ tokenCache: { max: 10 } });
    for (let i = 0; i < 30; i++) await verifier.verify(issuer.mint());
    for (let i = 0; i < 30; i++) await outcome(verifier.verify(issuer.mint({}, { key: 'attacker' })));
    expect(verifier.stats().tokenCache.size).toBe(10);
    const uncached = verifierFor({ tokenCache: { max: 10 }, jwks: { cooldown: 34_567 } });
    for (let i = 0; i < 30; i++) await outcome(uncached.verify(issuer.mint({}, { key: 'attacker' })));
    expect(uncached.stats().tokenCache.size).toBe(0);
  });
});
