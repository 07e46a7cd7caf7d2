/**
 * `authenticate` and the metadata helpers, for code that composes its own `fetch` (a Worker, Bun.serve,
 * Deno.serve), with real `Request` objects against the fake issuer over loopback.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createDpopKey, createDpopProof, startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { authenticate, createVerifier, metadataResponse, resourceMetadataHandler, withAuth, type AccessToken, type Verifier } from '../src/index.js';

let issuer: FakeIssuer;
let verifier: Verifier;
const RESOURCE = 'https://api.example.com/orders';
const METADATA = 'https://api.example.com/.well-known/oauth-protected-resource/orders';

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({
    issuer: issuer.url,
    jwksUri: issuer.jwksUri,
    dpop: { nonce: true },
    resourceMetadata: { resource: RESOURCE },
  });
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

const get = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });

describe('authenticate', () => {
  it('happy flow: { auth, headers } for a valid token, typed without undefined', async () => {
    const result = await authenticate(verifier, get(`${RESOURCE}/1`, { authorization: `Bearer ${issuer.mint({ aud: RESOURCE, scope: 'orders:read' })}` }), { scopes: ['orders:read'] });
    if (result.response !== undefined) throw new Error(`refused: ${result.response.status}`);
    expectTypeOf(result.auth).toEqualTypeOf<AccessToken>();
    expect(result.auth.scopes).toEqual(['orders:read']);
    expect(result.headers).toEqual({});
  });

  it('error flow: { response } with the refusal, 403 naming the scope', async () => {
    const result = await authenticate(verifier, get(`${RESOURCE}/1`, { authorization: `Bearer ${issuer.mint({ aud: RESOURCE, scope: 'orders:read' })}` }), { anyScope: ['orders:admin'] });
    expect(result.auth).toBeUndefined();
    expect(result.response?.status).toBe(403);
    expect(result.response?.headers.get('www-authenticate')).toContain(`scope="orders:admin", resource_metadata="${METADATA}"`);
  });

  it('optional: { auth: undefined } without a credential', async () => {
    const result = await authenticate(verifier, get(RESOURCE), { optional: true });
    expectTypeOf(result.auth).toEqualTypeOf<AccessToken | undefined>();
    expect(result.response).toBeUndefined();
    expect(result.auth).toBeUndefined();
  });

  it('a DPoP request with the server nonce: headers carry the next DPoP-Nonce, also on the 403 of a missing scope', async () => {
    const key = createDpopKey();
    const token = issuer.mint({ aud: RESOURCE, scope: 'orders:read' }, { dpopKey: key });
    const proof = (nonce?: string) => createDpopProof({ key, htm: 'GET', htu: RESOURCE, accessToken: token, ...(nonce === undefined ? {} : { nonce }) });
    const first = await authenticate(verifier, get(RESOURCE, { authorization: `DPoP ${token}`, dpop: proof() }));
    expect(first.response?.status).toBe(401);
    const nonce = first.response!.headers.get('dpop-nonce')!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    const accepted = await authenticate(verifier, get(RESOURCE, { authorization: `DPoP ${token}`, dpop: proof(nonce) }));
    if (accepted.response !== undefined) throw new Error(`refused: ${accepted.response.status}`);
    expect(accepted.headers['DPoP-Nonce']).toMatch(/^[A-Za-z0-9_-]+$/);
    const scoped = await authenticate(verifier, get(RESOURCE, { authorization: `DPoP ${token}`, dpop: proof(nonce) }), { scopes: ['orders:write'] });
    expect(scoped.response?.status).toBe(403);
    expect(scoped.response?.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('a wrong argument is a TypeError, not a refusal', async () => {
    await expect(authenticate({ issuer: issuer.url } as never, get(RESOURCE))).rejects.toThrow(/authenticate\(\) needs a verifier/);
    await expect(authenticate(verifier, { url: RESOURCE } as never)).rejects.toThrow(/describeFetchRequest\(\) needs a Fetch Request/);
    await expect(authenticate(verifier, get(RESOURCE), { scopes: ['a b'] })).rejects.toThrow(TypeError);
  });
});

describe('the RFC 9728 metadata as a Response', () => {
  it('metadataResponse answers the metadata path only', async () => {
    const answer = metadataResponse(verifier, get(METADATA));
    expect(answer?.status).toBe(200);
    expect(answer?.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await answer!.json()) as { resource: string }).resource).toBe(RESOURCE);
    expect(metadataResponse(verifier, get(RESOURCE))).toBeUndefined();
    const post = metadataResponse(verifier, new Request(METADATA, { method: 'POST' }));
    expect(post?.status).toBe(405);
    expect(post?.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('withAuth serves the metadata path without a token', async () => {
    let ran = false;
    const handler = withAuth(verifier, () => {
      ran = true;
      return new Response('ok');
    });
    const answer = await handler(get(METADATA));
    expect(answer.status).toBe(200);
    expect(ran).toBe(false);
  });

  it('resourceMetadataHandler refuses a verifier without resourceMetadata when made', () => {
    const plain = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience });
    try {
      expect(() => resourceMetadataHandler(plain)).toThrow(/without the "resourceMetadata" option/);
    } finally {
      plain.close();
    }
  });
});
