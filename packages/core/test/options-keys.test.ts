import { describe, expect, it } from 'vitest';
import { createVerifier, rejectUnknownKeys, resolveAdapterOptions } from '../src/index.js';
import { closestKey } from '../src/lib/known-keys.js';

const base = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };

describe('unknown option names', () => {
  it.each([
    ['the verifier', { ...base, clockTolerence: 5 }, /option "clockTolerence" is not a known option \(did you mean "clockTolerance"\?\)/],
    ['jwks', { ...base, jwks: { cacheMaxAg: 1000 } }, /option "jwks\.cacheMaxAg" is not a known option \(did you mean "jwks\.cacheMaxAge"\?\)/],
    ['tokenCache', { ...base, tokenCache: { maxTTL: 10 } }, /option "tokenCache\.maxTTL" is not a known option \(did you mean "tokenCache\.maxTtl"\?\)/],
    [
      'an issuer entry',
      { audience: base.audience, issuer: [{ issuer: base.issuer }, { issuer: 'https://b.example.com/', jwks_uri: 'https://b.example.com/k' }] },
      /option "issuer\[1\]\.jwks_uri" is not a known option \(did you mean "issuer\[1\]\.jwksUri"\?\)/,
    ],
    ['a single issuer object', { audience: base.audience, issuer: { issuer: base.issuer, audiense: 'x' } }, /option "issuer\.audiense".*did you mean "issuer\.audience"/],
  ])('error flow: a misspelt key in %s is a TypeError naming it and the closest valid one', (_where, options, message) => {
    expect(() => createVerifier(options as never)).toThrow(TypeError);
    expect(() => createVerifier(options as never)).toThrow(message);
  });

  it.each([
    ['dpop', null],
    ['dpop', []],
    ['mtls', null],
    ['tokenCache', null],
    ['tokenCache', []],
    ['jwks', []],
  ])('error flow: option "%s" given %j is a TypeError naming it', (name, value) => {
    expect(() => createVerifier({ ...base, [name]: value })).toThrow(new RegExp(`option "${name}" must be`));
  });

  it('error flow: a key like no known one lists the known options instead of guessing', () => {
    expect(() => createVerifier({ ...base, zzzzzzzzzz: 1 } as never)).toThrow(/option "zzzzzzzzzz" is not a known option; known options: issuer, audience/);
  });

  it('error flow: adapter options refuse unknown keys by name', () => {
    expect(() => resolveAdapterOptions({ optinal: true } as never)).toThrow(/option "optinal" is not a known option \(did you mean "optional"\?\)/);
    expect(() => resolveAdapterOptions({ optional: true, errors: 'pass' })).not.toThrow();
  });

  it('happy flow: every documented key is accepted, undefined values included', () => {
    const verifier = createVerifier({
      ...base,
      jwksUri: 'https://auth.example.com/jwks',
      algorithms: ['RS256'],
      clockTolerance: 1,
      maxTokenAge: undefined,
      tokenType: 'at+jwt',
      requiredClaims: ['sub'],
      scopeClaims: ['permissions'],
      validate: () => true,
      realm: 'r',
      maxTokenLength: 4096,
      allowQueryToken: false,
      allowFormBodyToken: false,
      jwks: { cacheMaxAge: 1, cooldown: 1, timeout: 1, staleIfError: 0, errorCooldown: 0, maxResponseBytes: 10, maxKeys: 1 },
      discoveryMaxBytes: 1024,
      tokenCache: { max: 1, maxBytes: 1024, maxTtl: 1 },
    });
    verifier.close();
  });

  it('closestKey matches a case slip, a prefix and a swap, and not an unrelated word', () => {
    expect(closestKey('maxttl', ['max', 'maxBytes', 'maxTtl'])).toBe('maxTtl');
    expect(closestKey('cacheMaxAg', ['cacheMaxAge', 'cooldown'])).toBe('cacheMaxAge');
    expect(closestKey('audeince', ['audience', 'issuer'])).toBe('audience');
    expect(closestKey('banana', ['audience', 'issuer'])).toBeUndefined();
  });

  it('rejectUnknownKeys passes an object of known keys and names the path of an unknown one', () => {
    expect(() => rejectUnknownKeys({ a: 1 }, ['a'], 'x')).not.toThrow();
    expect(() => rejectUnknownKeys({ b: 1 }, ['a'], 'x')).toThrow(/option "x\.b"/);
  });
});
