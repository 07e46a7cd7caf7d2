// verifier.ready(): discovery, keys and the introspection endpoint of every issuer, had before the first
// request, against the fake issuer over loopback; counted on the issuer, never mocked.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { IntrospectionUnavailableError, KeysUnavailableError, createVerifier, type Verifier } from '../src/index.js';

const API = { clientId: 'orders-api', clientSecret: 'orders-api-secret' };
let issuer: FakeIssuer;
let other: FakeIssuer;
const verifiers: Verifier[] = [];

beforeAll(async () => {
  issuer = await startFakeIssuer({ clients: [{ ...API, scopes: [] }] });
  other = await startFakeIssuer();
});
afterAll(async () => {
  await Promise.all([issuer.close(), other.close()]);
});
afterEach(() => {
  for (const verifier of verifiers.splice(0)) verifier.close();
  for (const server of [issuer, other]) {
    server.setJwksMode('up');
    server.setMetadataMode('up');
    server.resetStats();
  }
});

function track<V extends Verifier>(verifier: V): V {
  verifiers.push(verifier);
  return verifier;
}

describe('verifier.ready()', () => {
  it('happy flow: discovery and the JWKS of every issuer before the first token; the first token then fetches nothing', async () => {
    const verifier = track(createVerifier({ issuer: [{ issuer: issuer.url }, { issuer: other.url }], audience: issuer.audience }));
    expect([issuer.stats.jwksRequests, other.stats.jwksRequests]).toEqual([0, 0]);
    await verifier.ready();
    expect([issuer.stats.metadataRequests, issuer.stats.jwksRequests, other.stats.metadataRequests, other.stats.jwksRequests]).toEqual([1, 1, 1, 1]);
    await verifier.verify(issuer.mint());
    await verifier.verify(other.mint({ aud: issuer.audience }));
    expect([issuer.stats.jwksRequests, other.stats.jwksRequests, issuer.stats.metadataRequests, other.stats.metadataRequests]).toEqual([1, 1, 1, 1]);
    await verifier.ready();
    expect(issuer.stats.jwksRequests).toBe(1);
  });

  it('error flow: the JWKS is down, ready() rejects with KeysUnavailableError (503, Retry-After) and a keys_unavailable event', async () => {
    const verifier = track(createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri }));
    const events: unknown[] = [];
    verifier.on('keys_unavailable', (event) => events.push(event));
    issuer.setJwksMode('down');
    const error = await verifier.ready().then(() => undefined, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect((error as KeysUnavailableError).status).toBe(503);
    expect((error as KeysUnavailableError).headers['Retry-After']).toMatch(/^[1-9]\d*$/);
    expect(events).toHaveLength(1);
  });

  it('error flow: discovery fails for one of two issuers: ready() rejects, after the other issuer was fetched all the same', async () => {
    const verifier = track(createVerifier({ issuer: [{ issuer: issuer.url }, { issuer: other.url }], audience: issuer.audience, jwks: { errorCooldown: 0 } }));
    other.setMetadataMode('down');
    await expect(verifier.ready()).rejects.toBeInstanceOf(KeysUnavailableError);
    expect(issuer.stats.jwksRequests).toBe(1);
    other.setMetadataMode('up');
    await verifier.ready();
    expect(other.stats.jwksRequests).toBe(1);
  });

  it('a hanging JWKS: rejects with KeysUnavailableError once jwks.timeout has passed, instead of waiting for it', async () => {
    const verifier = track(createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, jwks: { timeout: 200 } }));
    issuer.setJwksMode('hang');
    await expect(verifier.ready()).rejects.toBeInstanceOf(KeysUnavailableError);
  });

  it('introspection: discovers the endpoint (no call to it); a failed discovery is IntrospectionUnavailableError, the keys being fine', async () => {
    const verifier = track(createVerifier({ issuer: [{ issuer: issuer.url, jwksUri: issuer.jwksUri, introspection: API }], audience: issuer.audience }));
    issuer.setMetadataMode('down');
    await expect(verifier.ready()).rejects.toBeInstanceOf(IntrospectionUnavailableError);
    const fresh = track(createVerifier({ issuer: [{ issuer: issuer.url, jwksUri: issuer.jwksUri, introspection: API }], audience: issuer.audience }));
    issuer.setMetadataMode('up');
    await fresh.ready();
    expect(issuer.stats.introspectionRequests).toBe(0);
    expect(fresh.stats().introspection[issuer.url]!.endpoint).toBe(issuer.introspectionEndpoint);
  });

  it('a keySource of your own is loaded once ahead of time', async () => {
    let loads = 0;
    const verifier = track(
      createVerifier({
        issuer: [{ issuer: issuer.url, keySource: { peek: () => undefined, load: () => (loads++, Promise.resolve([])) } }],
        audience: issuer.audience,
      }),
    );
    await verifier.ready();
    expect(loads).toBe(1);
  });
});
