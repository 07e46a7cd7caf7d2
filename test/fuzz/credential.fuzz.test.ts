/**
 * Fuzzing credential extraction (RFC 6750 §2): whatever the request looks like, `extractCredential`
 * returns nothing, or a b64token taken verbatim from the request, or throws a 400 — nothing else; and
 * it agrees with an independent reading of the grammar.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, extractCredential, type CredentialOptions, type RequestDescriptor } from '@portcullis/core';
import { checkAuthError } from './helpers/checks.js';
import { FUZZ_TIMEOUT, runs } from './helpers/runs.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Characters that make interesting headers: the b64token alphabet, separators, Latin-1, controls. */
const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'ABCxyz019-._~+/='.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\t', ',', '"', '\\', ';', ':', '%', '?', '&', '#') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const b64token = fc.tuple(fc.string({ unit: fc.constantFrom(...'ABCxyz019-._~+/'.split('')), minLength: 1, maxLength: 40 }), fc.nat({ max: 3 })).map(([t, pad]) => t + '='.repeat(pad));
const scheme = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR') },
  { weight: 2, arbitrary: fc.constantFrom('Basic', 'DPoP', 'Digest', 'Bearer2', 'Bearerx', 'Beare', 'MAC', '') },
  { weight: 1, arbitrary: fc.string({ unit: headerChar, maxLength: 10 }) },
);
const authorizationValue = fc.oneof(
  // scheme SP+ b64token, in any spelling of the scheme
  fc.tuple(scheme, fc.string({ unit: fc.constantFrom(' ', '\t'), minLength: 0, maxLength: 3 }), b64token).map(([s, sep, t]) => `${s}${sep}${t}`),
  fc.tuple(scheme, fc.string({ unit: headerChar, maxLength: 60 })).map(([s, rest]) => `${s} ${rest}`),
  fc.string({ unit: headerChar, maxLength: 80 }),
);

const descriptor: fc.Arbitrary<RequestDescriptor> = fc.record(
  {
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get', ''),
    url: fc.oneof(
      fc.constant('/'),
      fc.tuple(fc.constantFrom('/', '/a?', '/a?x=1&', '?'), fc.constantFrom('access_token', 'ACCESS_TOKEN', 'access_token[]', 'x'), fc.constantFrom('=', '=%20', '=a.b.c', '', '=a&access_token=b')).map((p) => p.join('')),
      fc.string({ unit: headerChar, maxLength: 40 }),
    ),
    headers: fc.record(
      {
        authorization: fc.oneof(authorizationValue, fc.array(authorizationValue, { maxLength: 3 })),
        'content-type': fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8'),
      },
      { requiredKeys: [] },
    ),
    rawHeaders: fc.array(fc.tuple(fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'Authorisation', 'Host'), authorizationValue), { maxLength: 3 }).map((pairs) => pairs.flat()),
    body: fc.oneof(
      fc.constant(undefined),
      fc.record({ access_token: fc.oneof(b64token, fc.string(), fc.array(fc.string()), fc.integer()) }, { requiredKeys: [] }),
      fc.anything(),
    ),
  },
  { requiredKeys: ['method', 'url', 'headers'] },
);

const credentialOptions: fc.Arbitrary<CredentialOptions> = fc.record({
  allowQueryToken: fc.boolean(),
  allowFormBodyToken: fc.boolean(),
  realm: fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: undefined }),
});

/** Where a returned token may have come from, verbatim. */
function sources(request: RequestDescriptor): string[] {
  const out: string[] = [];
  const auth = request.headers.authorization;
  for (const value of Array.isArray(auth) ? auth : auth === undefined ? [] : [auth]) out.push(value);
  const query = request.url.indexOf('?');
  if (query !== -1) out.push(...new URLSearchParams(request.url.slice(query + 1)).getAll('access_token'));
  const body = request.body as { access_token?: unknown } | undefined;
  if (typeof body === 'object' && body !== null && typeof body.access_token === 'string') out.push(body.access_token);
  return out;
}

describe('extractCredential', () => {
  it(
    'any request: undefined, a b64token found verbatim in the request, or a 400 InvalidRequestError; nothing else',
    () => {
      fc.assert(
        fc.property(descriptor, credentialOptions, (request, options) => {
          let token: string | undefined;
          try {
            token = extractCredential(request, options);
          } catch (error) {
            const authError = checkAuthError(error);
            expect(authError).toBeInstanceOf(InvalidRequestError);
            expect(authError.realm).toBe(options.realm);
            return;
          }
          if (token === undefined) return;
          expect(token).toMatch(B64TOKEN);
          expect(sources(request).some((source) => source === token || source.endsWith(` ${token}`))).toBe(true);
        }),
        runs(2_000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'one Authorization header: agrees with the RFC 6750 §2.1 grammar read independently',
    () => {
      const none: CredentialOptions = { allowQueryToken: false, allowFormBodyToken: false, realm: undefined };
      fc.assert(
        fc.property(authorizationValue, (value) => {
          const request: RequestDescriptor = { method: 'GET', url: '/', headers: { authorization: value }, rawHeaders: ['Authorization', value] };
          // Independent reading: scheme is everything before the first SP/HTAB; "Bearer" matched case-insensitively.
          const scheme = /^[^ \t]*/.exec(value)![0];
          const isBearer = scheme.toLowerCase() === 'bearer';
          const rest = value.slice(scheme.length);
          const wellFormed = isBearer && /^ +/.test(rest) && B64TOKEN.test(rest.replace(/^ +/, ''));
          let outcome: string | undefined;
          try {
            outcome = extractCredential(request, none);
          } catch (error) {
            outcome = `400:${(error as InvalidRequestError).reason}`;
          }
          if (value === '') expect(outcome).toBeUndefined();
          else if (wellFormed) expect(outcome).toBe(rest.replace(/^ +/, ''));
          else if (isBearer) expect(outcome).toBe('400:malformed_authorization');
          else expect(outcome, 'another scheme is no bearer credential: a bare 401 follows').toBeUndefined();
        }),
        runs(3_000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'the access_token query parameter is recognised however its name is percent-encoded (one form-urlencoded name)',
    () => {
      const name = 'access_token';
      fc.assert(
        fc.property(fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }), fc.boolean(), (encode, allowed) => {
          const spelled = [...name].map((c, i) => (encode[i] ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c)).join('');
          const request: RequestDescriptor = { method: 'GET', url: `/orders?${spelled}=abc`, headers: {} };
          // URLSearchParams, which core itself uses to read the value, decodes the name: it is the same parameter.
          expect(new URLSearchParams(`${spelled}=abc`).get(name)).toBe('abc');
          const options: CredentialOptions = { allowQueryToken: allowed, allowFormBodyToken: false, realm: undefined };
          if (allowed) expect(extractCredential(request, options), `?${spelled}= was not read as the access_token parameter`).toBe('abc');
          else expect(() => extractCredential(request, options), `?${spelled}= slipped past the query-token refusal`).toThrow(InvalidRequestError);
        }),
        runs(200),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'two Authorization lines, whatever their values and spelling: always a 400',
    () => {
      fc.assert(
        fc.property(authorizationValue, authorizationValue, fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION'), (a, b, name) => {
          const request: RequestDescriptor = { method: 'GET', url: '/', headers: { authorization: `${a}, ${b}` }, rawHeaders: [name, a, 'authorization', b] };
          expect(() => extractCredential(request, { allowQueryToken: true, allowFormBodyToken: true, realm: undefined })).toThrow(InvalidRequestError);
        }),
        runs(1_000),
      );
    },
    FUZZ_TIMEOUT,
  );
});
