import { describe, expect, it } from 'vitest';
import { checkClaims, checkTokenType, normalizeMediaType, type ClaimRules } from '../src/jwt/claims.js';
import { InvalidTokenError } from '../src/errors/errors.js';
import type { JwtClaims } from '../src/types.js';

const NOW = 1_800_000_000;
const rules: ClaimRules = { audiences: ['api'], clockTolerance: 5, maxTokenAge: undefined, tokenType: undefined, requiredClaims: [] };
const good: JwtClaims = { iss: 'https://issuer', aud: 'api', exp: NOW + 60, iat: NOW, sub: 's', client_id: 'c', jti: 'j' };

function reasonOf(claims: Record<string, unknown>, overrides: Partial<ClaimRules> = {}): string {
  try {
    checkClaims(claims, { ...rules, ...overrides }, NOW, undefined);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason;
    throw error;
  }
}

describe('claim rules', () => {
  it('happy flow: a well-formed token passes; aud may be a list containing one audience', () => {
    expect(reasonOf(good)).toBe('accepted');
    expect(reasonOf({ ...good, aud: ['other', 'api'] })).toBe('accepted');
  });

  it('error flow: aud missing, foreign or malformed', () => {
    expect(reasonOf({ ...good, aud: undefined })).toBe('invalid_audience');
    expect(reasonOf({ ...good, aud: 'API' })).toBe('invalid_audience');
    expect(reasonOf({ ...good, aud: [] })).toBe('invalid_audience');
    expect(reasonOf({ ...good, aud: ['api', 3] as unknown })).toBe('invalid_claim');
    expect(reasonOf({ ...good, aud: 5 })).toBe('invalid_claim');
  });

  it('error flow: exp is required and numeric; expiry honours the clock tolerance', () => {
    expect(reasonOf({ ...good, exp: undefined })).toBe('missing_claim');
    expect(reasonOf({ ...good, exp: String(NOW + 60) })).toBe('invalid_claim');
    expect(reasonOf({ ...good, exp: Number.NaN })).toBe('invalid_claim');
    expect(reasonOf({ ...good, exp: NOW - 4 })).toBe('accepted');
    expect(reasonOf({ ...good, exp: NOW - 5 })).toBe('expired');
    expect(reasonOf({ ...good, exp: NOW - 1 }, { clockTolerance: 0 })).toBe('expired');
  });

  it('error flow: nbf and iat in the future beyond tolerance; malformed numeric dates', () => {
    expect(reasonOf({ ...good, nbf: NOW + 5 })).toBe('accepted');
    expect(reasonOf({ ...good, nbf: NOW + 6 })).toBe('not_yet_valid');
    expect(reasonOf({ ...good, iat: NOW + 6 })).toBe('issued_in_future');
    expect(reasonOf({ ...good, nbf: 'soon' })).toBe('invalid_claim');
    expect(reasonOf({ ...good, iat: null })).toBe('invalid_claim');
  });

  it('error flow: a numeric date beyond what a Date holds is malformed; inherited names are not claims', () => {
    expect(reasonOf({ ...good, exp: 1e300 })).toBe('invalid_claim');
    expect(reasonOf({ ...good, nbf: -1e300 })).toBe('invalid_claim');
    expect(reasonOf({ ...good, exp: 8.64e12 })).toBe('accepted');
    expect(reasonOf(good, { requiredClaims: ['constructor'] })).toBe('missing_claim');
    expect(reasonOf({ ...good, constructor: 'c' }, { requiredClaims: ['constructor'] })).toBe('accepted');
  });

  it('error flow: maxTokenAge needs iat and bounds it', () => {
    expect(reasonOf({ ...good, iat: NOW - 100 }, { maxTokenAge: 100 })).toBe('accepted');
    expect(reasonOf({ ...good, iat: NOW - 106 }, { maxTokenAge: 100 })).toBe('too_old');
    expect(reasonOf({ ...good, iat: undefined }, { maxTokenAge: 100 })).toBe('missing_claim');
  });

  it('error flow: string claims with other types, a malformed scp', () => {
    expect(reasonOf({ ...good, sub: 1 })).toBe('invalid_claim');
    expect(reasonOf({ ...good, client_id: {} })).toBe('invalid_claim');
    // A JSON array of strings (Duende, PingFederate) is the list it means, except in strict RFC 9068 mode.
    expect(reasonOf({ ...good, scope: ['a'] as unknown })).toBe('accepted');
    expect(reasonOf({ ...good, scope: ['a'] as unknown }, { tokenType: 'at+jwt' })).toBe('invalid_claim');
    expect(reasonOf({ ...good, scope: ['a', 1] as unknown })).toBe('invalid_claim');
    expect(reasonOf({ ...good, scope: { a: true } })).toBe('invalid_claim');
    expect(reasonOf({ ...good, scp: [1] as unknown })).toBe('invalid_claim');
    expect(reasonOf({ ...good, iss: 1 })).toBe('invalid_issuer');
  });

  it('error flow: strict at+jwt mode and requiredClaims require their claims', () => {
    expect(reasonOf(good, { tokenType: 'at+jwt' })).toBe('accepted');
    for (const name of ['sub', 'client_id', 'iat', 'jti'] as const) {
      expect(reasonOf({ ...good, [name]: undefined }, { tokenType: 'at+jwt' }), name).toBe('missing_claim');
      expect(reasonOf({ ...good, [name]: undefined }), name).toBe('accepted');
    }
    expect(reasonOf(good, { requiredClaims: ['tenant'] })).toBe('missing_claim');
    expect(reasonOf({ ...good, tenant: 't' }, { requiredClaims: ['tenant'] })).toBe('accepted');
  });

  it('happy and error flow: typ, lenient by default, strict on request (RFC 8725 §3.11, RFC 9068 §4)', () => {
    const typeOf = (typ: unknown, expected?: string): string => {
      try {
        checkTokenType({ alg: 'RS256', typ } as never, expected, undefined);
        return 'accepted';
      } catch (error) {
        return (error as InvalidTokenError).reason;
      }
    };
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT', 'JWT', 'jwt', undefined]) expect(typeOf(typ), String(typ)).toBe('accepted');
    for (const typ of ['JOSE', 'dpop+jwt', 'secevent+jwt', 7]) expect(typeOf(typ), String(typ)).toBe('invalid_type');
    for (const typ of ['at+jwt', 'application/at+jwt']) expect(typeOf(typ, 'at+jwt')).toBe('accepted');
    for (const typ of ['JWT', undefined]) expect(typeOf(typ, 'at+jwt')).toBe('invalid_type');
    expect(normalizeMediaType('Application/AT+JWT')).toBe('at+jwt');
  });
});
