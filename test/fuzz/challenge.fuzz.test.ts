/**
 * Fuzzing the RFC 6750 challenge: whatever the realm, description or scope, `WWW-Authenticate` is a
 * well-formed Bearer challenge whose parameters are RFC 9110 quoted-strings that Node sends as-is.
 */
import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CredentialsRequiredError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeysUnavailableError,
  formatChallenge,
  quoteString,
  type ChallengeParams,
} from '@portcullis/core';
import { QUOTED_STRING, checkAuthError, parseChallenge, unquote } from './helpers/checks.js';
import { FUZZ_TIMEOUT, runs } from './helpers/runs.js';

/** Every kind of string: any code point (lone surrogates too), Latin-1, controls, quotes, backslashes. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\t', ' ', '\r', '\n', '\0', '\x7f', 'é', 'ÿ', 'Ā', '€', '😀', '\ud800', 'a'), maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x17f }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
);

/** What quoteString promises to keep: HTAB and every Latin-1 character that is not a control. */
function kept(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff)) out += ch;
  }
  return out;
}

describe('quoteString', () => {
  it(
    'always yields an RFC 9110 quoted-string that unquotes to the input minus the characters it cannot carry',
    () => {
      fc.assert(
        fc.property(anyString, (value) => {
          const quoted = quoteString(value);
          expect(quoted).toMatch(QUOTED_STRING);
          expect(unquote(quoted)).toBe(kept(value));
          expect(() => validateHeaderValue('X-Test', quoted)).not.toThrow();
        }),
        runs(3_000),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe('formatChallenge', () => {
  it(
    'any parameters: a well-formed Bearer challenge, parameters in a fixed order, each value as quoteString made it',
    () => {
      const params = fc.record(
        { realm: anyString, error: anyString, error_description: anyString, scope: anyString },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(params, (input: ChallengeParams) => {
          const challenge = formatChallenge(input);
          expect(() => validateHeaderValue('WWW-Authenticate', challenge)).not.toThrow();
          const parsed = parseChallenge(challenge);
          const present = (['realm', 'error', 'error_description', 'scope'] as const).filter((k) => input[k] !== undefined);
          expect(Object.keys(parsed)).toEqual(present);
          for (const key of present) expect(parsed[key]).toBe(kept(input[key]!));
          if (present.length === 0) expect(challenge).toBe('Bearer');
        }),
        runs(2_000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'every error class, with any realm, renders headers Node accepts and a challenge RFC 6750 allows',
    () => {
      const scopeToken = fc.string({ unit: fc.constantFrom(...'!#$%&()*+,-./:;<=>?@[]^_`{|}~abcXYZ019'.split('')), minLength: 1, maxLength: 12 });
      fc.assert(
        fc.property(fc.option(anyString, { nil: undefined }), fc.array(scopeToken, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.double({ min: 0, max: 1e6, noNaN: true }), (realm, scopes, all, retryAfter) => {
          const errors = [
            new InvalidRequestError({ reason: 'malformed_authorization', description: 'the Authorization header is not a valid Bearer credential', realm }),
            new InvalidTokenError({ reason: 'malformed_token', description: 'the token is not a compact JWS', realm }),
            new CredentialsRequiredError(realm),
            new InsufficientScopeError(scopes, all ? 'all' : 'any', realm),
            new KeysUnavailableError({ retryAfter, realm }),
          ];
          for (const error of errors) checkAuthError(error);
          const insufficient = parseChallenge(errors[3]!.headers['WWW-Authenticate']!);
          expect(insufficient.scope).toBe(scopes.join(' '));
          if (realm !== undefined) expect(parseChallenge(errors[2]!.headers['WWW-Authenticate']!).realm).toBe(kept(realm));
        }),
        // Five errors built and checked per run: ten times the cost of one quoting.
        runs(500, 10),
      );
    },
    FUZZ_TIMEOUT,
  );
});
