/**
 * Fuzzing the claim rules (RFC 7519 §4.1, RFC 9068 §2.2 and §4, RFC 8725 §3.11) on tokens the issuer
 * really signed: a token passes exactly when an independent reading of the rules accepts it, a refusal
 * names one of the rules it breaks, and what passes is faithfully described by the AccessToken. Also
 * scope extraction and matching (RFC 6749 §3.3).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InsufficientScopeError,
  checkScopes,
  createVerifier,
  extractScopes,
  type AccessToken,
  type JwtClaims,
  type RejectReason,
  type Verifier,
} from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { checkAuthError, recordGenuine } from './helpers/checks.js';
import { FUZZ_TIMEOUT, runs } from './helpers/runs.js';

let issuer: FakeIssuer;
let verifier: Verifier;
let mint: FakeIssuer['mint'];
let genuine: Set<string>;
const TOLERANCE = 5;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  ({ mint, genuine } = recordGenuine(issuer));
  verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, clockTolerance: TOLERANCE });
  await verifier.verify(mint({}, { alg: 'ES256' }));
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

/** `undefined` leaves the claim out (mint deletes it). */
const ABSENT = undefined;

/** Claim values relative to `now`, far enough from every boundary (±60 s against a 5 s tolerance). */
function claimsArbitrary(now: number): fc.Arbitrary<Record<string, unknown>> {
  const odd = fc.constantFrom<unknown>(null, true, 'x', 7, [], {}, ['a', 1]);
  const weighted = <T>(common: T, ...rare: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: 6, arbitrary: fc.constant(common) }, ...rare.map((arbitrary) => ({ weight: 1, arbitrary })));
  return fc.record({
    iss: weighted(issuer.url, fc.constantFrom(`${issuer.url}/`, 'https://elsewhere.example/', ABSENT), odd),
    aud: weighted(
      issuer.audience,
      fc.constantFrom([issuer.audience], ['other', issuer.audience], [], ['other'], 'other', ABSENT, [issuer.audience, 7], [7, issuer.audience]),
      odd,
    ),
    exp: weighted(now + 3_600, fc.constantFrom(now - 3_600, now - 60, now + 3_600.5, ABSENT, 1e10, 8.64e12, 8.64e12 + 1, 1e300, String(now + 3_600)), odd),
    nbf: fc.oneof({ weight: 4, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: fc.constantFrom(now - 60, now + 3_600, now + 60, -1e300) }, { weight: 1, arbitrary: odd }),
    iat: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(now, ABSENT) }, { weight: 1, arbitrary: fc.constantFrom(now - 3_600, now + 3_600, now + 60) }, { weight: 1, arbitrary: odd }),
    sub: weighted('client-123', fc.constant(ABSENT), odd),
    client_id: weighted('client-123', fc.constant(ABSENT), odd),
    jti: weighted('jti-1', fc.constant(ABSENT), odd),
    scope: weighted('read write', fc.constantFrom(ABSENT, '', 'read  write', ' read ', 'a:b c/d', ['read', 'write', 'read'], []), odd),
    scp: fc.oneof({ weight: 4, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: fc.constantFrom('admin', ['admin', 'read'], [], ['a', 1], 5) }),
    permissions: fc.constantFrom(ABSENT, ['x']),
    extra: fc.oneof(fc.constant(ABSENT), fc.jsonValue({ maxDepth: 2 })),
  });
}

const typArbitrary = fc.constantFrom<unknown>('at+jwt', 'AT+JWT', 'application/at+jwt', 'JWT', 'jwt', 'application/jwt', undefined, 'dpop+jwt', 'application/json', 5, null);

/** RFC 7519 §2 NumericDate, limited to what a JavaScript Date holds (±8.64e15 ms). */
const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e12;

/** The rules, read independently of core: every reason the token breaks. */
function violations(claims: Record<string, unknown>, typ: unknown, now: number): Set<RejectReason> {
  const broken = new Set<RejectReason>();
  if (claims.iss !== issuer.url) broken.add('invalid_issuer');
  if (typ !== undefined) {
    const normalized = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
    if (normalized !== 'at+jwt' && normalized !== 'jwt') broken.add('invalid_type');
  }
  const aud = claims.aud;
  if (typeof aud === 'string') {
    if (aud !== issuer.audience) broken.add('invalid_audience');
  } else if (Array.isArray(aud)) {
    if (aud.some((entry) => typeof entry !== 'string')) broken.add('invalid_claim');
    else if (!aud.includes(issuer.audience)) broken.add('invalid_audience');
  } else if (aud === undefined) broken.add('invalid_audience');
  else broken.add('invalid_claim');
  if (claims.exp === undefined) broken.add('missing_claim');
  else if (!isNumericDate(claims.exp)) broken.add('invalid_claim');
  else if (claims.exp <= now - TOLERANCE) broken.add('expired');
  for (const name of ['nbf', 'iat']) if (claims[name] !== undefined && !isNumericDate(claims[name])) broken.add('invalid_claim');
  if (isNumericDate(claims.nbf) && claims.nbf > now + TOLERANCE) broken.add('not_yet_valid');
  if (isNumericDate(claims.iat) && claims.iat > now + TOLERANCE) broken.add('issued_in_future');
  for (const name of ['sub', 'client_id', 'jti']) if (claims[name] !== undefined && typeof claims[name] !== 'string') broken.add('invalid_claim');
  // `scope` as a JSON array of strings is read as its list (Duende, PingFederate); this verifier is not in
  // strict `tokenType: 'at+jwt'` mode, where only the RFC 9068 string is accepted.
  const scope = claims.scope;
  if (scope !== undefined && typeof scope !== 'string' && !(Array.isArray(scope) && scope.every((s) => typeof s === 'string'))) broken.add('invalid_claim');
  const scp = claims.scp;
  if (scp !== undefined && typeof scp !== 'string' && !(Array.isArray(scp) && scp.every((s) => typeof s === 'string'))) broken.add('invalid_claim');
  return broken;
}

/** Scopes as RFC 9068 §2.2.3 and the `scp` convention give them: unique, in order of appearance. */
function expectedScopes(claims: Record<string, unknown>): string[] {
  const found: string[] = [];
  const add = (scope: string): void => {
    if (scope !== '' && !found.includes(scope)) found.push(scope);
  };
  if (typeof claims.scope === 'string') claims.scope.split(' ').forEach(add);
  else if (Array.isArray(claims.scope)) (claims.scope as string[]).forEach(add);
  if (typeof claims.scp === 'string') claims.scp.split(' ').forEach(add);
  else if (Array.isArray(claims.scp)) (claims.scp as unknown[]).forEach((s) => typeof s === 'string' && add(s));
  return found;
}

describe('claim rules on tokens the issuer signed', () => {
  it(
    'a token passes exactly when the rules accept it; a refusal names a rule it breaks; the AccessToken says what was signed',
    async () => {
      const now = Math.floor(Date.now() / 1000);
      await fc.assert(
        fc.asyncProperty(claimsArbitrary(now), typArbitrary, async (claims, typ) => {
          const token = mint(claims, { alg: 'ES256', header: { typ } });
          const signed = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
          const broken = violations(signed, typ, Math.floor(Date.now() / 1000));
          let auth: AccessToken;
          try {
            auth = await verifier.verify(token);
          } catch (error) {
            const authError = checkAuthError(error, token);
            expect(broken.size, `refused (${authError.reason}) although the rules accept it`).toBeGreaterThan(0);
            expect([...broken]).toContain(authError.reason);
            return;
          }
          expect([...broken], 'passed although it breaks these rules').toEqual([]);
          expect(genuine.has(token)).toBe(true);
          expect(auth.token).toBe(token);
          expect(auth.issuer).toBe(issuer.url);
          expect([...auth.audience]).toEqual(typeof signed.aud === 'string' ? [signed.aud] : signed.aud);
          expect([...auth.scopes]).toEqual(expectedScopes(signed));
          expect(auth.subject).toBe(signed.sub);
          expect(auth.clientId).toBe(signed.client_id);
          expect(auth.claims).toEqual(signed);
          expect(auth.expiresAt.getTime()).toBe((signed.exp as number) * 1000);
        }),
        runs(400, 20),
      );
    },
    FUZZ_TIMEOUT,
  );

  it('a signed exp beyond the range of Date (exp 1e300) gives an AccessToken whose expiresAt is a valid Date, or a refusal', async () => {
    const token = mint({ exp: 1e300 }, { alg: 'ES256' });
    let auth: AccessToken | undefined;
    try {
      auth = await verifier.verify(token);
    } catch (error) {
      // Refusing such a token (invalid_claim) is a fine answer too.
      expect(checkAuthError(error, token).reason).toBe('invalid_claim');
      return;
    }
    // new Date(1e303) is an Invalid Date: auth.expiresAt.toISOString() throws a RangeError in a handler.
    expect(Number.isNaN(auth.expiresAt.getTime()), 'expiresAt is an Invalid Date').toBe(false);
  });

  it('requiredClaims only counts claims the token carries, not members every object inherits', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const strict = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, requiredClaims: [name] });
      try {
        const token = mint({}, { alg: 'ES256' });
        let reason: string | undefined;
        try {
          await strict.verify(token);
        } catch (error) {
          reason = checkAuthError(error, token).reason;
        }
        expect(reason, `a token without a "${name}" claim passed requiredClaims: ['${name}']`).toBe('missing_claim');
      } finally {
        strict.close();
      }
    }
  });
});

describe('scopes', () => {
  const scopeToken = fc.string({ unit: fc.constantFrom(...'abc:/*-_.ABC0'.split('')), minLength: 1, maxLength: 6 });
  const claimValue = fc.oneof(
    fc.array(scopeToken, { maxLength: 5 }).map((list) => list.join(' ')),
    fc.tuple(fc.array(fc.oneof(scopeToken, fc.constantFrom('', ' ', 'a b')), { maxLength: 5 }), fc.constantFrom(' ', '  ', '\t')).map(([list, separator]) => list.join(separator)),
    fc.array(fc.oneof(scopeToken, fc.constant(''), fc.integer(), fc.constant(null)), { maxLength: 5 }),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const names = ['scope', 'scp', 'permissions', '__proto__', 'constructor'];

  it(
    'extractScopes: never throws; unique non-empty tokens without spaces, each taken from a named claim',
    () => {
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...names), claimValue), fc.subarray(names), (claims, scopeClaims) => {
          const parsed = JSON.parse(JSON.stringify(claims)) as JwtClaims;
          const scopes = extractScopes(parsed, scopeClaims);
          expect(Object.isFrozen(scopes)).toBe(true);
          expect(new Set(scopes).size).toBe(scopes.length);
          for (const scope of scopes) {
            expect(typeof scope).toBe('string');
            expect(scope).not.toBe('');
            const from = scopeClaims.filter((name) => Object.hasOwn(parsed, name)).map((name) => parsed[name]);
            const found = from.some((value) =>
              typeof value === 'string' ? value.split(' ').includes(scope) : Array.isArray(value) && value.includes(scope),
            );
            expect(found, `scope ${JSON.stringify(scope)} came from nowhere`).toBe(true);
            if (from.every((value) => typeof value === 'string')) expect(scope).not.toContain(' ');
          }
        }),
        runs(2_000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'checkScopes: passes exactly when every allOf scope and one anyOf scope is granted, compared exactly; else a 403 naming them',
    () => {
      fc.assert(
        fc.property(fc.array(scopeToken, { maxLength: 6 }), fc.option(fc.array(scopeToken, { minLength: 1, maxLength: 3 }), { nil: undefined }), fc.option(fc.array(scopeToken, { minLength: 1, maxLength: 3 }), { nil: undefined }), (granted, allOf, anyOf) => {
          const ok = (allOf ?? []).every((s) => granted.includes(s)) && (anyOf === undefined || anyOf.some((s) => granted.includes(s)));
          let thrown: unknown;
          try {
            checkScopes(granted, { allOf, anyOf });
          } catch (error) {
            thrown = error;
          }
          if (ok) expect(thrown).toBeUndefined();
          else {
            expect(thrown).toBeInstanceOf(InsufficientScopeError);
            checkAuthError(thrown);
            const required = (thrown as InsufficientScopeError).requiredScopes;
            expect([allOf, anyOf]).toContainEqual(required);
          }
        }),
        runs(1_000),
      );
    },
    FUZZ_TIMEOUT,
  );
});
