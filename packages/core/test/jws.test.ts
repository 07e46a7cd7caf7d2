import { describe, expect, it } from 'vitest';
import { isCanonicalCompactJws } from '../src/lib/base64url.js';
import { InvalidTokenError } from '../src/errors/errors.js';
import { parseJws } from '../src/jwt/jws.js';

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const token = (header: unknown, payload: unknown, signature = 'c2ln'): string => `${b64(header)}.${b64(payload)}.${signature}`;

function reasonOf(value: string): string {
  try {
    parseJws(value, undefined);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason;
    throw error;
  }
}

describe('JWS parsing (RFC 7515)', () => {
  it('happy flow: decodes header, claims, signing input and signature', () => {
    const parsed = parseJws(token({ alg: 'RS256', kid: 'k1' }, { iss: 'x' }), undefined);
    expect(parsed.header).toEqual({ alg: 'RS256', kid: 'k1' });
    expect(parsed.claims).toEqual({ iss: 'x' });
    expect(parsed.signature.toString()).toBe('sig');
    expect(parsed.signingInput.toString()).toBe(`${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'x' })}`);
  });

  it('error flow: not three segments, or empty header or payload', () => {
    for (const value of ['', 'a', 'a.b', 'a.b.c.d', '.b.c', 'a..c', '...']) expect(reasonOf(value), value).toBe('malformed_token');
  });

  it('error flow: padding, standard base64 characters and whitespace are refused', () => {
    const good = token({ alg: 'RS256' }, { a: 1 }, 'c2lnbg');
    expect(reasonOf(good)).toBe('accepted');
    expect(reasonOf(good + '==')).toBe('malformed_token');
    expect(reasonOf(good.replace('c2lnbg', 'c2+/bg'))).toBe('malformed_token');
    expect(reasonOf(good + ' ')).toBe('malformed_token');
    expect(reasonOf(good.replace('c2lnbg', 'c2lnb'))).toBe('malformed_token'); // length 1 mod 4
  });

  it('error flow: a re-spelled signature (non-zero unused bits) is refused', () => {
    // "c2lnbg" ends in 'g' (0b100000, low 4 bits zero); 'h' decodes to the same bytes but is not canonical.
    expect(Buffer.from('c2lnbh', 'base64url').equals(Buffer.from('c2lnbg', 'base64url'))).toBe(true);
    expect(reasonOf(token({ alg: 'RS256' }, { a: 1 }, 'c2lnbh'))).toBe('malformed_token');
    // 'AB' and 'AAB' leave bits set that no byte string produces; 'AQ' and 'AAE' do not.
    expect(isCanonicalCompactJws('AQ.AQ.AB', 2, 5)).toBe(false);
    expect(isCanonicalCompactJws('AQ.AQ.AQ', 2, 5)).toBe(true);
    expect(isCanonicalCompactJws('AQ.AAB.AQ', 2, 6)).toBe(false);
    expect(isCanonicalCompactJws('AAE.AQ.AQ', 3, 6)).toBe(true);
    expect(isCanonicalCompactJws('AQ.AQ.AQ=', 2, 5)).toBe(false);
  });

  it('error flow: header must be a JSON object with a string alg; payload a JSON object', () => {
    expect(reasonOf(token('not json', { a: 1 }))).toBe('malformed_header');
    expect(reasonOf(token(['RS256'], { a: 1 }))).toBe('malformed_header');
    expect(reasonOf(token({ alg: 1 }, { a: 1 }))).toBe('malformed_header');
    expect(reasonOf(token({ typ: 'JWT' }, { a: 1 }))).toBe('malformed_header');
    expect(reasonOf(token({ alg: 'RS256', kid: 7 }, { a: 1 }))).toBe('malformed_header');
    expect(reasonOf(token({ alg: 'RS256' }, 'text'))).toBe('malformed_payload');
    expect(reasonOf(token({ alg: 'RS256' }, null))).toBe('malformed_payload');
    expect(reasonOf(token({ alg: 'RS256' }, [1]))).toBe('malformed_payload');
  });

  it('error flow: any crit and an unencoded payload are refused', () => {
    expect(reasonOf(token({ alg: 'RS256', crit: ['exp'], exp: 1 }, { a: 1 }))).toBe('unsupported_crit');
    expect(reasonOf(token({ alg: 'RS256', crit: [] }, { a: 1 }))).toBe('unsupported_crit');
    expect(reasonOf(token({ alg: 'RS256', b64: false }, { a: 1 }))).toBe('unencoded_payload');
  });

  it('happy flow: tokens that share a header share one frozen decoded header', () => {
    const a = parseJws(token({ alg: 'RS256', kid: 'shared' }, { n: 1 }), undefined);
    const b = parseJws(token({ alg: 'RS256', kid: 'shared' }, { n: 2 }), undefined);
    expect(b.header).toBe(a.header);
    expect(Object.isFrozen(a.header)).toBe(true);
    // A refused header is never remembered: it is refused again.
    const bad = token({ alg: 'RS256', crit: ['x'] }, { n: 1 });
    expect(reasonOf(bad)).toBe('unsupported_crit');
    expect(reasonOf(bad)).toBe('unsupported_crit');
  });

  it('error flow: the error description never contains the token', () => {
    const value = token('garbage-secret-material', { a: 1 });
    try {
      parseJws(value, undefined);
    } catch (error) {
      expect(JSON.stringify((error as InvalidTokenError).toJSON())).not.toContain('garbage');
      expect((error as InvalidTokenError).message).not.toContain(value);
    }
  });
});

describe('JWS parsing: encodings (RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725 §3.7)', () => {
  const rawSegment = (bytes: number[] | Buffer): string => Buffer.from(bytes).toString('base64url');
  const header = b64({ alg: 'RS256' });

  it('error flow: a 0xFF byte in a claim is invalid_utf8, not U+FFFD', () => {
    const payload = Buffer.concat([Buffer.from('{"sub":"a'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(Buffer.from(payload).toString('utf8')).toContain('\uFFFD'); // what a lenient decode would read
    expect(reasonOf(`${header}.${rawSegment(payload)}.c2ln`)).toBe('invalid_utf8');
  });

  it('error flow: an overlong encoding (C0 AF for "/") in a header member is invalid_utf8', () => {
    const bad = Buffer.concat([Buffer.from('{"alg":"RS256","kid":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('b"}')]);
    expect(reasonOf(`${rawSegment(bad)}.${b64({ iss: 'x' })}.c2ln`)).toBe('invalid_utf8');
    // A surrogate encoded as UTF-8 (ED A0 80) is not UTF-8 either.
    const surrogate = Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    expect(reasonOf(`${header}.${rawSegment(surrogate)}.c2ln`)).toBe('invalid_utf8');
  });

  it('happy flow: valid UTF-8, a genuine U+FFFD included, is decoded', () => {
    const parsed = parseJws(token({ alg: 'RS256' }, { sub: 'Łódź \uFFFD 😀' }), undefined);
    expect(parsed.claims.sub).toBe('Łódź \uFFFD 😀');
  });

  it('error flow: characters outside ASCII in the token text are malformed_token (Node would read U+0141 as "A")', () => {
    const good = token({ alg: 'RS256' }, { a: 1 }, 'AAAA');
    expect(reasonOf(good)).toBe('accepted');
    expect(Buffer.from('\u0141AAA', 'base64url').equals(Buffer.from('AAAA', 'base64url'))).toBe(true);
    expect(reasonOf(good.replace(/AAAA$/, '\u0141AAA'))).toBe('malformed_token');
    expect(reasonOf(good.replace(/AAAA$/, 'AA\u00e9A'))).toBe('malformed_token');
    expect(reasonOf(good.replace(/AAAA$/, 'AA!A'))).toBe('malformed_token');
    expect(reasonOf(good.replace(/AAAA$/, 'A=AA'))).toBe('malformed_token');
  });

  it('happy flow: parseJws hands out signing input and signature that a later parse does not change', () => {
    const first = parseJws(token({ alg: 'RS256' }, { n: 1 }, 'Zmlyc3Q'), undefined);
    const input = first.signingInput.toString();
    parseJws(token({ alg: 'ES256' }, { n: 22222 }, 'c2Vjb25k'), undefined);
    expect(first.signingInput.toString()).toBe(input);
    expect(first.signature.toString()).toBe('first');
  });
});

describe('JWS parsing: nested JWTs (RFC 7519 §5.2, §7.2 step 8)', () => {
  it('error flow: cty "JWT" is refused as nested_jwt, whatever its case or an application/ prefix', () => {
    for (const cty of ['JWT', 'jwt', 'application/JWT', 'Application/jwt']) {
      expect(reasonOf(token({ alg: 'RS256', cty }, { iss: 'x' })), cty).toBe('nested_jwt');
    }
  });

  it('happy flow: a token without cty, or with another content type, is read as a claims set', () => {
    expect(reasonOf(token({ alg: 'RS256' }, { iss: 'x' }))).toBe('accepted');
    expect(reasonOf(token({ alg: 'RS256', cty: 'json' }, { iss: 'x' }))).toBe('accepted');
  });
});
