/**
 * Core's Fetch-standard counterparts of describeRequest, writeErrorResponse, writeMetadataResponse and
 * setResponseHeaders: the same descriptor and the same answers from a `Request` as from Node's messages.
 */
import { describe, expect, it } from 'vitest';
import {
  InsufficientScopeError,
  KeysUnavailableError,
  authErrorResponse,
  createResourceMetadata,
  describeFetchRequest,
  errorResponse,
  metadataAnswerResponse,
  readCredential,
  withResponseHeaders,
} from '../src/index.js';

const OPTIONS = { allowQueryToken: false, allowFormBodyToken: false, realm: undefined };

describe('describeFetchRequest', () => {
  it('method, origin-form target, lower-cased headers, and host and scheme from request.url', () => {
    const request = new Request('https://api.example.com:8443/orders/1?page=2', { method: 'DELETE', headers: { Authorization: 'Bearer abc', 'X-Trace': '1', Host: 'evil.example' } });
    const descriptor = describeFetchRequest(request);
    expect(descriptor).toMatchObject({ method: 'DELETE', url: '/orders/1?page=2', encrypted: true });
    expect(descriptor.headers).toMatchObject({ authorization: 'Bearer abc', 'x-trace': '1', host: 'api.example.com:8443' });
    expect(describeFetchRequest(new Request('http://127.0.0.1:3000/')).encrypted).toBeUndefined();
  });

  it('two Authorization lines folded by Fetch read as two: 400 multiple_credentials, as from Node', () => {
    const headers = new Headers();
    headers.append('authorization', 'Bearer a');
    headers.append('authorization', 'Bearer b');
    expect(() => readCredential(describeFetchRequest(new Request('https://api.example.com/', { headers })), OPTIONS)).toThrow(
      expect.objectContaining({ status: 400, reason: 'multiple_credentials' }),
    );
  });

  it('two Host lines folded by Fetch stay two: core answers 400, as from Node', () => {
    const headers = new Headers([['host', 'api.example.com'], ['host', 'evil.example'], ['authorization', 'Bearer a']]);
    const descriptor = describeFetchRequest(new Request('https://api.example.com/', { headers }));
    expect(descriptor.headers.host).toEqual(['api.example.com', 'evil.example']);
    expect(() => readCredential(descriptor, OPTIONS)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('one Authorization value with a trailing comma stays one malformed credential', () => {
    expect(() => readCredential(describeFetchRequest(new Request('https://api.example.com/', { headers: { authorization: 'Bearer a,' } })), OPTIONS)).toThrow(
      expect.objectContaining({ status: 400, reason: 'malformed_authorization' }),
    );
  });

  it('the body is the caller\'s (a Request body is never read)', () => {
    const request = new Request('https://api.example.com/', { method: 'POST', body: 'access_token=abc' });
    expect(describeFetchRequest(request).body).toBeUndefined();
    expect(request.bodyUsed).toBe(false);
    expect(describeFetchRequest(request, { access_token: 'abc' }).body).toEqual({ access_token: 'abc' });
  });

  it('anything but a Request is a TypeError', () => {
    expect(() => describeFetchRequest({ url: '/x' } as never)).toThrow(/needs a Fetch Request/);
    expect(() => describeFetchRequest(undefined as never)).toThrow(TypeError);
  });
});

describe('Fetch answers', () => {
  it('authErrorResponse: the status, headers and body errorResponse gives Node adapters, as JSON', async () => {
    const error = new InsufficientScopeError(['orders:write'], 'all', 'api');
    const expected = errorResponse(error);
    const response = authErrorResponse(error);
    expect(response.status).toBe(403);
    for (const [name, value] of Object.entries(expected.headers)) expect(response.headers.get(name)).toBe(value);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe(JSON.stringify(expected.body));
  });

  it('authErrorResponse: a 503 carries Retry-After and no challenge', () => {
    const response = authErrorResponse(new KeysUnavailableError({ retryAfter: 7 }));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('metadataAnswerResponse: the document for GET, no body but the length for HEAD, none for 204', async () => {
    const metadata = createResourceMetadata({ resource: 'https://api.example.com', authorizationServers: ['https://auth.example.com/'] });
    const get = metadataAnswerResponse(metadata.respond('GET'), 'GET');
    const text = await get.text();
    expect(JSON.parse(text)).toMatchObject({ resource: 'https://api.example.com' });
    expect(get.headers.get('content-length')).toBe(String(new TextEncoder().encode(text).length));
    const head = metadataAnswerResponse(metadata.respond('HEAD'), 'HEAD');
    expect(head.body).toBeNull();
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    const preflight = metadataAnswerResponse(metadata.respond('OPTIONS'), 'OPTIONS');
    expect([preflight.status, preflight.body]).toEqual([204, null]);
  });

  it('withResponseHeaders sets the headers, copying a Response whose headers are immutable and keeping its body', () => {
    const plain = new Response('ok');
    expect(withResponseHeaders(plain, { 'DPoP-Nonce': 'n1' })).toBe(plain);
    expect(plain.headers.get('dpop-nonce')).toBe('n1');
    const fetched = Response.error();
    expect(() => fetched.headers.set('x', 'y')).toThrow(TypeError);
    const redirect = Response.redirect('https://api.example.com/next', 307);
    const copied = withResponseHeaders(redirect, { 'DPoP-Nonce': 'n2' });
    expect(copied).not.toBe(redirect);
    expect([copied.status, copied.headers.get('location'), copied.headers.get('dpop-nonce')]).toEqual([307, 'https://api.example.com/next', 'n2']);
    expect(withResponseHeaders(plain, undefined)).toBe(plain);
  });
});
