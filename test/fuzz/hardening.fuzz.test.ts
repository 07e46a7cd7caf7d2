/**
 * Fuzzing the shapes of issue 21's attack review, each against an independent reading of its rule:
 * Envoy's XFCC grammar (which element and which `Cert` is read), repeated header lines (Host,
 * Authorization, a forwarded-certificate header), absolute-form targets and dot segments (which proof
 * a target takes), and RSA public exponents (FIPS 186-5: 2^16 < e < 2^256). Through the verifier, with
 * the fake issuer's tokens; every refusal is a well-formed AuthError.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, importVerificationKey, type AuthError, type RequestDescriptor, type Verifier } from '@portcullis/core';
import { createClientCertificate, createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer, type TestCertificate } from '@portcullis/testing';
import { checkAuthError } from './helpers/checks.js';
import { FUZZ_TIMEOUT, runs } from './helpers/runs.js';

const HOST = 'api.example.com';
let issuer: FakeIssuer;
let client: TestCertificate;
let other: TestCertificate;
let certToken: string;
let plain: Verifier;
let xfcc: Verifier;
let xfccAppend: Verifier;
let pem: Verifier;
let dpopKey: DpopKey;
let rsa: { privateKey: KeyObject; n: string };

beforeAll(async () => {
  issuer = await startFakeIssuer();
  client = createClientCertificate('orders-service');
  other = createClientCertificate('someone-else');
  certToken = issuer.mint({ scope: 'orders:read' }, { certificate: client, lifetime: 3600 });
  const base = { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri };
  plain = createVerifier(base);
  xfcc = createVerifier({ ...base, mtls: { certificateHeader: 'x-forwarded-client-cert', certificateHeaderFormat: 'xfcc' } });
  xfccAppend = createVerifier({ ...base, mtls: { certificateHeader: 'x-forwarded-client-cert', certificateHeaderFormat: 'xfcc', xfccAppendingProxies: 2 } });
  pem = createVerifier({ ...base, mtls: { certificateHeader: 'x-ssl-client-cert', certificateHeaderFormat: 'url-encoded-pem' } });
  dpopKey = createDpopKey('ES256');
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rsa = { privateKey: pair.privateKey, n: (pair.publicKey.export({ format: 'jwk' }) as { n: string }).n };
});
afterAll(async () => {
  for (const verifier of [plain, xfcc, xfccAppend, pem]) verifier.close();
  await issuer.close();
});

/** Node's view of header lines: `headers` keeps the first Host and Authorization, joins other repeats with ', '. */
function describe_(lines: [string, string][], url = '/orders', method = 'GET'): RequestDescriptor {
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (const [name, value] of lines) {
    rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    if (headers[lower] === undefined) headers[lower] = value;
    else if (lower !== 'host' && lower !== 'authorization') headers[lower] = `${headers[lower]}, ${value}`;
  }
  return { method, url, headers, rawHeaders };
}

async function outcome(verifier: Verifier, request: RequestDescriptor, token?: string): Promise<'ok' | AuthError> {
  try {
    await verifier.authenticate(request);
    return 'ok';
  } catch (error) {
    return checkAuthError(error, token);
  }
}

// ---- XFCC ----------------------------------------------------------------------------------------

/** A key and its value; the value 'CLIENT' or 'OTHER' stands for that certificate. */
type Pair = [string, string];
const XFCC_KEYS = ['By', 'Hash', 'Subject', 'URI', 'DNS', 'Cert', 'Chain', 'cert'];
const valueChar = fc.constantFrom(...'abcXYZ019:/.-_ '.split(''), ',', ';', '=', '"', '\\');
const pair: fc.Arbitrary<Pair> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...XFCC_KEYS.filter((k) => k.toLowerCase() !== 'cert')), fc.array(valueChar, { maxLength: 12 }).map((c) => c.join(''))) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('Cert', 'cert', 'CERT'), fc.constantFrom<'CLIENT' | 'OTHER'>('CLIENT', 'OTHER')) },
);
const element = fc.array(pair, { minLength: 1, maxLength: 4 });

/** Envoy's serialisation: a value with `,`, `;`, `=`, `"` or a backslash is quoted, `"` and `\` escaped. */
function serialise(elements: Pair[][], quoteAlways: boolean): string {
  return elements
    .map((pairs) =>
      pairs
        .map(([key, raw]) => {
          const value = raw === 'CLIENT' ? encodeURIComponent(client.cert) : raw === 'OTHER' ? encodeURIComponent(other.cert) : raw;
          const needsQuotes = quoteAlways || /[,;="\\]/.test(value) || value !== value.trim() || value === '';
          return `${key}=${needsQuotes ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : value}`;
        })
        .join(';'),
    )
    .join(',');
}

/** The element read (counted from the end, undefined: exactly one allowed) holds one Cert, the client's. */
function xfccAccepted(elements: Pair[][], fromEnd: number | undefined): boolean {
  if (fromEnd === undefined && elements.length !== 1) return false;
  const chosen = elements[elements.length - (fromEnd ?? 1)];
  if (chosen === undefined) return false;
  const certs = chosen.filter(([key]) => key.toLowerCase() === 'cert');
  return certs.length === 1 && certs[0]![1] === 'CLIENT';
}

describe('XFCC (Envoy x-forwarded-client-cert)', () => {
  it('any elements, any values: the certificate is read only from the one element the settings name', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(element, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean(), async (elements, quoteAlways, appending) => {
        const header = serialise(elements, quoteAlways);
        const request = describe_([['Host', HOST], ['Authorization', `Bearer ${certToken}`], ['X-Forwarded-Client-Cert', header]]);
        const result = await outcome(appending ? xfccAppend : xfcc, request, certToken);
        const expected = xfccAccepted(elements, appending ? 2 : undefined);
        expect(result === 'ok', header.slice(0, 300)).toBe(expected);
        if (result !== 'ok') expect(result.status).toBe(401);
      }),
      runs(150, 2),
    );
  }, FUZZ_TIMEOUT);

  it('any text in the header: never accepted unless it is exactly one well-formed element with the client Cert', async () => {
    const text = fc.array(fc.oneof(fc.constantFrom(',', ';', '=', '"', '\\', ' ', 'Cert', 'By', `"${encodeURIComponent(client.cert)}"`), fc.string({ maxLength: 4 })), { maxLength: 10 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(text, async (header) => {
        const request = describe_([['Host', HOST], ['Authorization', `Bearer ${certToken}`], ['X-Forwarded-Client-Cert', header]]);
        const result = await outcome(xfcc, request, certToken);
        if (result !== 'ok') expect(result.status).toBe(401);
        else expect(header).toMatch(/^\s*Cert="[^"]+"\s*$/);
      }),
      runs(300),
    );
  }, FUZZ_TIMEOUT);
});

// ---- repeated header lines ------------------------------------------------------------------------

describe('repeated header lines', () => {
  it('Host, Authorization and a certificate header on any number of lines: 400 for two Hosts, then two Authorizations; one certificate line only', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.constantFrom<'CLIENT' | 'OTHER'>('CLIENT', 'OTHER'), { minLength: 0, maxLength: 3 }),
        async (hosts, authorizations, certs) => {
          const lines: [string, string][] = [];
          for (let i = 0; i < hosts; i++) lines.push(['Host', i === 0 ? HOST : `evil${i}.example`]);
          for (let i = 0; i < authorizations; i++) lines.push(['Authorization', `Bearer ${certToken}`]);
          for (const cert of certs) lines.push(['X-SSL-Client-Cert', encodeURIComponent(cert === 'CLIENT' ? client.cert : other.cert)]);
          const result = await outcome(pem, describe_(lines), certToken);
          if (hosts > 1) expect(result === 'ok' ? 200 : [result.status, result.reason]).toEqual([400, 'multiple_host']);
          else if (authorizations > 1) expect(result === 'ok' ? 200 : [result.status, result.reason]).toEqual([400, 'multiple_credentials']);
          else if (authorizations === 0) expect(result === 'ok' ? 200 : [result.status, result.reason]).toEqual([401, 'credentials_missing']);
          else if (certs.length === 1 && certs[0] === 'CLIENT') expect(result).toBe('ok');
          else expect(result === 'ok' ? 200 : result.status).toBe(401);
        },
      ),
      runs(200),
    );
  }, FUZZ_TIMEOUT);
});

// ---- request targets ------------------------------------------------------------------------------

const SEGMENTS = ['a', 'files', 'orders', '.', '..', '%2e', '%2E', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '.%2E', 'x.y', '...', '.a', '%2f', 'a%2Fb', '%41'];

/** An independent reading: a segment that is `.` or `..` once each `%2e` (any case) is read as a dot. */
function hasDots(path: string): boolean {
  return path.split('/').some((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

describe('request targets (RFC 9112 §3.2)', () => {
  it('origin or absolute form, any segments: a proof for the target (or for its WHATWG-normalised URL) passes only when the path has no dot segments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean(), fc.constantFrom('', '?x=1', '?a=%2e%2e'), async (segments, absolute, normalisedHtu, query) => {
        const path = `/${segments.join('/')}`;
        const htu = normalisedHtu ? new URL(`http://${HOST}${path}`).href : `http://${HOST}${path}`;
        const token = issuer.mint({ scope: 'orders:read' }, { dpopKey, lifetime: 3600 });
        const proof = createDpopProof({ key: dpopKey, htm: 'GET', htu, accessToken: token });
        const target = `${absolute ? `http://${HOST}` : ''}${path}${query}`;
        const request = describe_([['Host', HOST], ['Authorization', `DPoP ${token}`], ['DPoP', proof]], target);
        const result = await outcome(plain, request, token);
        if (hasDots(path)) expect(result === 'ok' ? 'ok' : result.reason, target).toBe('dpop_htu_mismatch');
        else expect(result, target).toBe('ok');
      }),
      runs(200, 2),
    );
  }, FUZZ_TIMEOUT);

  it('an absolute-form target naming another scheme or a malformed authority takes no proof', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('https', 'HTTP', 'ftp', 'http'), fc.constantFrom(HOST, `${HOST}:80`, `user@${HOST}`, `${HOST}\\@evil`, ''), async (scheme, authority) => {
        const token = issuer.mint({ scope: 'orders:read' }, { dpopKey, lifetime: 3600 });
        const proof = createDpopProof({ key: dpopKey, htm: 'GET', htu: `http://${HOST}/orders`, accessToken: token });
        const request = describe_([['Host', HOST], ['Authorization', `DPoP ${token}`], ['DPoP', proof]], `${scheme}://${authority}/orders`);
        const result = await outcome(plain, request, token);
        const expected = scheme.toLowerCase() === 'http' && (authority === HOST || authority === `${HOST}:80`);
        expect(result === 'ok', `${scheme}://${authority}`).toBe(expected);
      }),
      runs(60),
    );
  }, FUZZ_TIMEOUT);
});

// ---- RSA exponents --------------------------------------------------------------------------------

const b64uInt = (value: bigint): string => {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
};
const exponent = fc.oneof(
  fc.constantFrom(1n, 2n, 3n, 17n, 257n, 65535n, 65536n, 65537n, 2n ** 255n + 1n, 2n ** 256n - 1n, 2n ** 256n, 2n ** 256n + 1n, 2n ** 3070n + 1n),
  fc.bigInt({ min: 1n, max: 2n ** 300n }),
  fc.integer({ min: 2, max: 300 }).map((bits) => 2n ** BigInt(bits) + 1n),
);
const fipsExponent = (e: bigint) => e % 2n === 1n && e > 2n ** 16n && e < 2n ** 256n;

describe('RSA public exponents (FIPS 186-5)', () => {
  it('any exponent: a JWK is imported only with an odd 2^16 < e < 2^256', () => {
    fc.assert(
      fc.property(exponent, (e) => {
        expect(importVerificationKey({ kty: 'RSA', n: rsa.n, e: b64uInt(e) }) !== undefined, `e = ${e}`).toBe(fipsExponent(e));
      }),
      runs(500),
    );
  });

  it('any exponent on a DPoP proof key the token is bound to: refused as an unusable key, or reaches the signature check', async () => {
    await fc.assert(
      fc.asyncProperty(exponent, async (e) => {
        const publicJwk = { kty: 'RSA', n: rsa.n, e: b64uInt(e) };
        const thumbprint = createHash('sha256').update(JSON.stringify({ e: publicJwk.e, kty: 'RSA', n: publicJwk.n })).digest('base64url');
        const key = { alg: 'RS256', privateKey: rsa.privateKey, publicJwk, thumbprint } as DpopKey;
        const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: thumbprint, lifetime: 3600 });
        const proof = createDpopProof({ key, htm: 'GET', htu: `http://${HOST}/orders`, accessToken: token });
        const result = await outcome(plain, describe_([['Host', HOST], ['Authorization', `DPoP ${token}`], ['DPoP', proof]]), token);
        // Signed with the e = 65537 private key: valid only when the published exponent is that one.
        if (e === 65537n) expect(result).toBe('ok');
        else expect(result === 'ok' ? 'ok' : result.reason, `e = ${e}`).toBe(fipsExponent(e) ? 'dpop_invalid_signature' : 'dpop_invalid_jwk');
      }),
      runs(150, 2),
    );
  }, FUZZ_TIMEOUT);
});
