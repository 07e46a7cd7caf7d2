import { describe, expect, it } from 'vitest';
import { formatChallenge, quoteString } from '../src/errors/challenge.js';
import {
  CredentialsRequiredError,
  InvalidRequestError,
  InvalidTokenError,
  KeysUnavailableError,
} from '../src/errors/errors.js';
import { InsufficientScopeError } from '../src/errors/insufficient-scope.js';

describe('RFC 6750 §3 challenges', () => {
  it('happy flow: a bare Bearer challenge when no credential was sent, with realm when configured', () => {
    expect(formatChallenge({})).toBe('Bearer');
    // By hand, an error answers like a default verifier's: DPoP is 'allowed', so both schemes are offered.
    expect(new CredentialsRequiredError().headers['WWW-Authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    expect(new CredentialsRequiredError('orders').headers['WWW-Authenticate']).toBe('Bearer realm="orders", DPoP realm="orders", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
  });

  it('happy flow: error codes, descriptions and scope in order', () => {
    const error = new InsufficientScopeError(['orders:write', 'orders:admin'], 'all', 'api');
    expect(error.status).toBe(403);
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:write orders:admin"',
    );
    expect(error.toJSON()).toEqual({ error: 'insufficient_scope', error_description: 'the token lacks a required scope' });
  });

  it('happy flow: 400 and 401 carry their codes; 503 has Retry-After and no challenge', () => {
    const bad = new InvalidRequestError({ reason: 'malformed_authorization', description: 'bad header' });
    expect(bad.status).toBe(400);
    expect(bad.headers['WWW-Authenticate']).toBe('Bearer error="invalid_request", error_description="bad header"');
    const invalid = new InvalidTokenError({ reason: 'expired', description: 'the token has expired' });
    expect(invalid.status).toBe(401);
    expect(invalid.statusCode).toBe(401);
    expect(invalid.expose).toBe(true);
    expect(invalid.name).toBe('InvalidTokenError');
    const down = new KeysUnavailableError({ retryAfter: 4.2, cause: new Error('down') });
    expect(down.status).toBe(503);
    expect(down.headers).toEqual({ 'Retry-After': '5', 'Cache-Control': 'no-store' });
    expect(down.cause).toBeInstanceOf(Error);
  });

  it('error flow: quotes and backslashes are escaped; control characters are dropped', () => {
    expect(quoteString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteString('line\r\nbreak\u0000')).toBe('"linebreak"');
    expect(quoteString('snow ☃')).toBe('"snow "');
    expect(formatChallenge({ realm: 'x", error="forged' })).toBe('Bearer realm="x\\", error=\\"forged"');
  });
});
