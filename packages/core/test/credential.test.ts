import { describe, expect, it } from 'vitest';
import { extractCredential, type CredentialOptions } from '../src/request/credential.js';
import { CredentialsRequiredError, InvalidRequestError } from '../src/errors/errors.js';
import type { RequestDescriptor } from '../src/types.js';

const strict: CredentialOptions = { allowQueryToken: false, allowFormBodyToken: false, realm: undefined };
const lenient: CredentialOptions = { allowQueryToken: true, allowFormBodyToken: true, realm: 'api' };

function req(authorization?: string | string[], extra: Partial<RequestDescriptor> = {}): RequestDescriptor {
  const headers: Record<string, string | string[]> = {};
  const rawHeaders: string[] = ['Host', '127.0.0.1'];
  if (authorization !== undefined) {
    headers.authorization = authorization;
    for (const value of [authorization].flat()) rawHeaders.push('Authorization', value);
  }
  return { method: 'GET', url: '/orders', headers, rawHeaders, ...extra };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRequestError) return `400:${error.reason}`;
    throw error;
  }
  return 'no error';
}

describe('credential extraction (RFC 6750 §2)', () => {
  it('happy flow: reads a Bearer token, scheme case-insensitive, one or more spaces', () => {
    expect(extractCredential(req('Bearer abc.def.ghi'), strict)).toBe('abc.def.ghi');
    expect(extractCredential(req('bearer abc'), strict)).toBe('abc');
    expect(extractCredential(req('BEARER   abc'), strict)).toBe('abc');
    expect(extractCredential(req('Bearer a-._~+/b=='), strict)).toBe('a-._~+/b==');
  });

  it('happy flow: no Authorization header, or another scheme, is no credential', () => {
    expect(extractCredential(req(), strict)).toBeUndefined();
    expect(extractCredential(req('Basic dXNlcjpwYXNz'), strict)).toBeUndefined();
    expect(extractCredential(req('Bearerabc'), strict)).toBeUndefined();
    expect(extractCredential(req(''), strict)).toBeUndefined();
  });

  it('error flow: a Bearer scheme without a valid b64token is a 400', () => {
    for (const value of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a"b', 'Bearer\tabc', 'Bearer =abc', 'Bearer abc=d', 'Bearer ab,c']) {
      expect(reasonOf(() => extractCredential(req(value), strict)), value).toBe('400:malformed_authorization');
    }
  });

  it('error flow: two Authorization header lines are a 400 even though Node keeps only the first', () => {
    const request: RequestDescriptor = {
      method: 'GET',
      url: '/',
      headers: { authorization: 'Bearer one' },
      rawHeaders: ['authorization', 'Bearer one', 'AUTHORIZATION', 'Bearer two'],
    };
    expect(reasonOf(() => extractCredential(request, strict))).toBe('400:multiple_credentials');
    expect(reasonOf(() => extractCredential(req(['Bearer a', 'Bearer b']), strict))).toBe('400:multiple_credentials');
  });

  it('error flow: a query token is refused unless turned on', () => {
    expect(reasonOf(() => extractCredential(req(undefined, { url: '/x?access_token=abc' }), strict))).toBe(
      '400:unsupported_credential_location',
    );
    expect(extractCredential(req(undefined, { url: '/x?a=1&access_token=abc' }), lenient)).toBe('abc');
    expect(extractCredential(req(undefined, { url: '/x?not_access_token_at_all=1' }), strict)).toBeUndefined();
    expect(reasonOf(() => extractCredential(req(undefined, { url: '/x?access%5Ftoken=abc' }), strict))).toBe(
      '400:unsupported_credential_location',
    );
    expect(extractCredential(req(undefined, { url: '/x?%61ccess_token=abc' }), lenient)).toBe('abc');
    expect(extractCredential(req(undefined, { url: '/x?q=100%25' }), strict)).toBeUndefined();
  });

  it('error flow: a form-body token is refused unless turned on, and needs a form POST', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const post = { method: 'POST', headers: form, body: { access_token: 'abc' } };
    expect(reasonOf(() => extractCredential(req(undefined, post), strict))).toBe('400:unsupported_credential_location');
    expect(extractCredential(req(undefined, post), lenient)).toBe('abc');
    expect(reasonOf(() => extractCredential(req(undefined, { ...post, method: 'GET' }), lenient))).toBe(
      '400:unsupported_credential_location',
    );
    expect(reasonOf(() => extractCredential(req(undefined, { ...post, headers: { 'content-type': 'application/json' } }), lenient))).toBe(
      '400:unsupported_credential_location',
    );
  });

  it('error flow: a token in two places is a 400', () => {
    const request: RequestDescriptor = {
      method: 'GET',
      url: '/x?access_token=abc',
      headers: { authorization: 'Bearer abc' },
    };
    expect(reasonOf(() => extractCredential(request, lenient))).toBe('400:multiple_credentials');
    expect(reasonOf(() => extractCredential({ ...request, url: '/x?access_token=a&access_token=b', headers: {} }, lenient))).toBe(
      '400:multiple_credentials',
    );
  });

  it('error flow: no credential is undefined, and a CredentialsRequiredError made by hand is a bare 401 challenge', () => {
    expect(extractCredential(req(), lenient)).toBeUndefined();
    const error = new CredentialsRequiredError(lenient.realm);
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api", DPoP realm="api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
  });
});
