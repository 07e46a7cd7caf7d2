import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscoveryError, discoverJwksUri, isAcceptableJwksUri, metadataUrls } from '../src/keys/discovery.js';
import { KeysUnavailableError } from '../src/errors/errors.js';
import { FetchError } from '../src/lib/fetch-json.js';
import { IssuerKeys } from '../src/keys/issuer-keys.js';
import type { DiscoveryFailedEvent } from '../src/keys/issuer-keys.js';
import { ecJwk, manualClock, sendJson, startJwksServer } from './helpers/jwks-server.js';
import type { JwksServer } from './helpers/jwks-server.js';

const RFC8414 = '/.well-known/oauth-authorization-server/realms/x';
const OIDC = '/realms/x/.well-known/openid-configuration';

let server: JwksServer;
let issuer: string;
const toClose: { close(): void }[] = [];

beforeEach(async () => {
  server = await startJwksServer([ecJwk('k1'), ecJwk('k2')]);
  issuer = `${server.url}/realms/x`;
});

afterEach(async () => {
  for (const item of toClose.splice(0)) item.close();
  await server.close();
});

function serveMetadata(path: string, metadata: Record<string, unknown>): void {
  server.route(path, (_req, res) => sendJson(res, 200, metadata));
}

describe('metadataUrls', () => {
  it('inserts the RFC 8414 well-known segment between host and path, then appends the OIDC one', () => {
    expect(metadataUrls('https://h.example/realms/x')).toEqual([
      'https://h.example/.well-known/oauth-authorization-server/realms/x',
      'https://h.example/realms/x/.well-known/openid-configuration',
    ]);
  });

  it('an issuer without a path (or with "/") gets no path suffix', () => {
    for (const value of ['https://h.example', 'https://h.example/']) {
      expect(metadataUrls(value)).toEqual([
        'https://h.example/.well-known/oauth-authorization-server',
        'https://h.example/.well-known/openid-configuration',
      ]);
    }
  });

  it('error flow: refuses an issuer that cannot be discovered safely', () => {
    expect(() => metadataUrls('http://auth.example.com')).toThrow(TypeError);
    expect(() => metadataUrls('https://auth.example.com/?tenant=1')).toThrow(/query/);
    expect(() => metadataUrls('https://auth.example.com/#x')).toThrow(/fragment/);
    expect(() => metadataUrls('not a url')).toThrow(TypeError);
    expect(metadataUrls('http://localhost:8080')[0]).toBe('http://localhost:8080/.well-known/oauth-authorization-server');
  });
});

describe('discoverJwksUri', () => {
  it('happy flow: RFC 8414 metadata first; OIDC is not asked', async () => {
    serveMetadata(RFC8414, { issuer, jwks_uri: server.jwksUri });
    serveMetadata(OIDC, { issuer, jwks_uri: `${server.url}/other` });
    expect(await discoverJwksUri(issuer, { timeout: 2_000 })).toBe(server.jwksUri);
    expect(server.hits(RFC8414)).toBe(1);
    expect(server.hits(OIDC)).toBe(0);
  });

  it('happy flow: falls back to OpenID Connect discovery when RFC 8414 metadata is missing', async () => {
    serveMetadata(OIDC, { issuer, jwks_uri: server.jwksUri });
    expect(await discoverJwksUri(issuer, { timeout: 2_000 })).toBe(server.jwksUri);
    expect(server.hits(RFC8414)).toBe(1);
    expect(server.hits(OIDC)).toBe(1);
  });

  it('error flow: metadata naming another issuer is refused (RFC 8414 §3.3), the next document is tried', async () => {
    serveMetadata(RFC8414, { issuer: `${issuer}/`, jwks_uri: `${server.url}/attacker` });
    serveMetadata(OIDC, { issuer, jwks_uri: server.jwksUri });
    expect(await discoverJwksUri(issuer, { timeout: 2_000 })).toBe(server.jwksUri);
  });

  it('error flow: both documents naming another issuer is an issuer_mismatch DiscoveryError', async () => {
    serveMetadata(RFC8414, { issuer: 'https://evil.example', jwks_uri: server.jwksUri });
    serveMetadata(OIDC, { issuer: issuer.toUpperCase(), jwks_uri: server.jwksUri });
    const error = (await discoverJwksUri(issuer, { timeout: 2_000 }).catch((err: unknown) => err)) as DiscoveryError;
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error.kind).toBe('issuer_mismatch');
    expect(error.attempts.map((a) => a.kind)).toEqual(['issuer_mismatch', 'issuer_mismatch']);
  });

  it('error flow: a jwks_uri over http on a non-loopback host is refused', async () => {
    serveMetadata(RFC8414, { issuer, jwks_uri: 'http://auth.example.com/jwks' });
    serveMetadata(OIDC, { issuer, jwks_uri: 'http://10.0.0.1/jwks' });
    await expect(discoverJwksUri(issuer, { timeout: 2_000 })).rejects.toMatchObject({ kind: 'invalid_jwks_uri' });
  });

  it('error flow: a jwks_uri that is missing, not a string or not a URL is refused', async () => {
    for (const jwks_uri of [undefined, 42, 'relative/jwks', 'ftp://127.0.0.1/jwks']) {
      serveMetadata(RFC8414, { issuer, jwks_uri });
      await expect(discoverJwksUri(issuer, { timeout: 2_000 })).rejects.toMatchObject({ kind: 'invalid_jwks_uri' });
    }
  });

  it('error flow: metadata that is not a JSON object, too large, or a redirect fails', async () => {
    server.route(RFC8414, (_req, res) => sendJson(res, 200, ['not', 'an', 'object']));
    server.route(OIDC, (_req, res) => sendJson(res, 200, { issuer, jwks_uri: server.jwksUri, padding: 'x'.repeat(2_000) }));
    const error = (await discoverJwksUri(issuer, { timeout: 2_000, maxBytes: 1_000 }).catch((err: unknown) => err)) as DiscoveryError;
    expect(error.attempts.map((a) => a.kind)).toEqual(['invalid_metadata', 'fetch_failed']);
    expect(error.attempts[1]?.error).toBeInstanceOf(FetchError);
    expect((error.attempts[1]?.error as FetchError).kind).toBe('too_large');

    server.route(OIDC, (_req, res) => {
      res.writeHead(301, { location: RFC8414 });
      res.end();
    });
    const redirected = (await discoverJwksUri(issuer, { timeout: 2_000 }).catch((err: unknown) => err)) as DiscoveryError;
    expect((redirected.cause as FetchError).kind).toBe('status');
    expect(server.hits(RFC8414)).toBe(2); // the redirect to it was not followed
  });

  it('error flow: a hanging metadata server fails within the timeout budget for both documents', async () => {
    server.route(RFC8414, () => undefined);
    server.route(OIDC, () => undefined);
    const started = performance.now();
    const error = (await discoverJwksUri(issuer, { timeout: 200 }).catch((err: unknown) => err)) as DiscoveryError;
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error.kind).toBe('fetch_failed');
    expect((error.attempts[0]?.error as FetchError).kind).toBe('timeout');
  });
});

describe('isAcceptableJwksUri', () => {
  it.each([
    ['https://auth.example.com/jwks', true],
    ['http://127.0.0.1:8080/jwks', true],
    ['http://127.10.0.3/jwks', true],
    ['http://localhost/jwks', true],
    ['http://[::1]:9000/jwks', true],
    ['http://auth.example.com/jwks', false],
    ['http://127.0.0.1.example.com/jwks', false],
    ['http://[::2]/jwks', false],
    ['https://user:pw@auth.example.com/jwks', false],
    ['https://auth.example.com/jwks#frag', false],
    ['file:///jwks', false],
  ])('%s → %s', (uri, expected) => {
    expect(isAcceptableJwksUri(uri)).toBe(expected);
  });
});

describe('IssuerKeys', () => {
  function issuerKeys(options: ConstructorParameters<typeof IssuerKeys>[1] = {}, forIssuer = issuer): IssuerKeys {
    const keys = new IssuerKeys(forIssuer, options);
    toClose.push(keys);
    return keys;
  }

  it('happy flow: discovers once for concurrent loads, then serves keys and forwards cache events', async () => {
    serveMetadata(RFC8414, { issuer, jwks_uri: server.jwksUri });
    const keys = issuerKeys({ jwks: { now: manualClock().now } });
    const fetched = once(keys, 'jwks_fetched');
    expect(keys.peek('k1')).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 50 }, () => keys.load('k1')));
    expect(results.every((r) => r[0]?.kid === 'k1')).toBe(true);
    expect(server.hits(RFC8414)).toBe(1);
    expect(server.hits()).toBe(1);
    await fetched;
    expect(keys.peek('k2')?.map((k) => k.kid)).toEqual(['k2']);
    expect(keys.stats()).toMatchObject({ jwksUri: server.jwksUri, keyCount: 2, fetches: 1, discoveryFailures: 0 });
  });

  it('happy flow: a configured jwksUri skips discovery', async () => {
    const keys = issuerKeys({ jwksUri: server.jwksUri, jwks: { now: manualClock().now } });
    expect(keys.jwksUri).toBe(server.jwksUri);
    expect(await keys.load('k1')).toHaveLength(1);
    expect(server.hits(RFC8414) + server.hits(OIDC)).toBe(0);
  });

  it('error flow: failed discovery is a 503, reported once, and retried no sooner than errorCooldown', async () => {
    const clock = manualClock();
    const keys = issuerKeys({ jwks: { now: clock.now, errorCooldown: 5_000 } });
    const failures: DiscoveryFailedEvent[] = [];
    keys.on('discovery_failed', (e) => failures.push(e));

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => keys.load('k1')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof KeysUnavailableError)).toBe(true);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.issuer).toBe(issuer);
    expect(failures[0]?.error).toBeInstanceOf(DiscoveryError);
    expect(server.hits(RFC8414)).toBe(1);

    clock.advance(3_000);
    const waiting = (await keys.load('k1').catch((err: unknown) => err)) as KeysUnavailableError;
    expect(waiting).toBeInstanceOf(KeysUnavailableError);
    expect(waiting.retryAfter).toBe(2);
    expect(server.hits(RFC8414)).toBe(1);

    clock.advance(2_000);
    serveMetadata(OIDC, { issuer, jwks_uri: server.jwksUri });
    expect(await keys.load('k1')).toHaveLength(1);
    expect(server.hits(RFC8414)).toBe(2);
    expect(keys.stats().discoveryFailures).toBe(1);
  });

  it('shares one cache between issuers on one JWKS URI; close releases it and stops forwarding', async () => {
    const a = issuerKeys({ jwksUri: server.jwksUri });
    const b = issuerKeys({ jwksUri: server.jwksUri }, `${server.url}/realms/y`);
    await Promise.all([a.load('k1'), b.load('k2')]);
    expect(server.hits()).toBe(1);
    let forwarded = 0;
    a.on('jwks_fetched', () => (forwarded += 1));
    a.close();
    expect(a.peek('k1')).toBeUndefined();
    await expect(a.load('k1')).rejects.toBeInstanceOf(KeysUnavailableError);
    expect(b.peek('k1')).toHaveLength(1); // the cache lives on for b
    b.close();
    expect(b.stats().jwksUri).toBeUndefined();
    expect(forwarded).toBe(0);
  });

  it('close during discovery aborts it', async () => {
    server.route(RFC8414, () => undefined);
    const keys = issuerKeys({ jwks: { timeout: 10_000 } });
    const pending = keys.load('k1').catch((err: unknown) => err);
    for (let i = 0; i < 200 && server.hits(RFC8414) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    keys.close();
    expect(await pending).toBeInstanceOf(KeysUnavailableError);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.hits(OIDC)).toBe(0);
  });

  it('error flow: an issuer that cannot be discovered safely is refused at construction', () => {
    expect(() => new IssuerKeys('http://auth.example.com', {})).toThrow(TypeError);
    expect(() => new IssuerKeys('http://auth.example.com', { jwksUri: 'http://auth.example.com/jwks' }).close()).not.toThrow();
    expect(() => new IssuerKeys(issuer, { discoveryMaxBytes: 0 })).toThrow(/discoveryMaxBytes/);
  });
});
