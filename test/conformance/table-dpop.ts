/**
 * Sender-constrained token scenarios (RFC 9449 DPoP, RFC 8705 certificate-bound), run identically
 * against every adapter by conformance-dpop.test.ts. A row builds its request from the app's URL (a
 * proof names it in `htu`), so rows are functions of a context rather than fixed header lists.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createDpopKey, createDpopProof, type DpopKey, type FakeIssuer, type TestCertificate } from '@portcullis/testing';
import { DPOP_ALGS, REALM } from './table.js';

/** Which verifier and transport the row's app uses. */
export type DpopApp = 'default' | 'required' | 'nonce' | 'tls' | ProxyApp;

/**
 * Apps behind a TLS-terminating proxy that forwards the client certificate in a header (RFC 8705 §3
 * through a proxy): Envoy's XFCC alone (SANITIZE_SET) or after one appending proxy (APPEND_FORWARD),
 * a PEM header and an nginx-style URL-encoded PEM header.
 */
export type ProxyApp = 'xfcc' | 'xfcc-append' | 'pem' | 'url-pem';

export interface DpopContext {
  issuer: FakeIssuer;
  /** The app's origin, `http://127.0.0.1:PORT` (or https). */
  url: string;
  key: DpopKey;
  /** A client certificate the issuer's CA made, and another one. */
  client: TestCertificate;
  otherClient: TestCertificate;
  /** Asks the app for a fresh DPoP nonce (a request without one, answered 401 use_dpop_nonce). */
  nonce(token: string): Promise<string>;
}

export interface DpopRequest {
  headers: [string, string][];
  /** The token sent, checked never to appear in the answer. */
  token?: string;
  /** Client certificate on the TLS connection. */
  cert?: TestCertificate;
  body?: string;
  /** Send the same request once first (expecting 200): the recorded answer is the second one. */
  replay?: boolean;
}

export interface DpopRow {
  name: string;
  app: DpopApp;
  method?: 'GET' | 'POST';
  path: string;
  /** Send the target in absolute form (`GET http://host:port/path HTTP/1.1`, RFC 9112 §3.2.2). */
  absoluteForm?: boolean;
  optional?: boolean;
  /**
   * Why an adapter served through a Fetch `Request` cannot be asked this row (see `Adapter.fetch`):
   * such adapters skip it, and it is compared across the others.
   */
  notOverFetch?: string;
  build(context: DpopContext): DpopRequest | Promise<DpopRequest>;
  expect: {
    status: number;
    /** The challenge's scheme and error code; `error: null` for a bare challenge given in full. */
    scheme?: 'Bearer' | 'DPoP';
    error?: string | null;
    challenge?: string;
    scope?: string;
    nonceHeader?: boolean;
    auth?: boolean;
  };
}

const now = () => Math.floor(Date.now() / 1000);
const bound = (issuer: FakeIssuer, key: DpopKey | string, scope = 'orders:read') => issuer.mint({ scope }, { dpopKey: key, lifetime: 3600 });

/** A DPoP request for `path` on the context's app; `overrides` go to createDpopProof. */
function dpop(
  path: string,
  options: { method?: string; token?: (c: DpopContext) => string; proof?: Partial<Parameters<typeof createDpopProof>[0]>; headers?: [string, string][] } = {},
) {
  return (c: DpopContext): DpopRequest => {
    const token = options.token?.(c) ?? bound(c.issuer, c.key);
    const proof = createDpopProof({ key: c.key, htm: options.method ?? 'GET', htu: `${c.url}${path}`, accessToken: token, ...options.proof });
    return { token, headers: [['Authorization', `DPoP ${token}`], ['DPoP', proof], ...(options.headers ?? [])] };
  };
}

/**
 * An RS256 DPoP key with public exponent `e` (made once per exponent): FIPS 186-5 asks for
 * 2^16 < e < 2^256, and a huge exponent makes every signature check cost thousands of times more.
 */
const rsaKeys = new Map<number, DpopKey>();
function rsaKeyWithExponent(e: number): DpopKey {
  let key = rsaKeys.get(e);
  if (key === undefined) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: e });
    const jwk = pair.publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
    const publicJwk = { kty: 'RSA', n: jwk.n, e: jwk.e };
    const thumbprint = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
    key = { alg: 'RS256', privateKey: pair.privateKey, publicJwk, thumbprint };
    rsaKeys.set(e, key);
  }
  return key;
}

/** An issuer signing key with e = 3, published by the row's issuer before the verifier first fetches its keys. */
export const WEAK_ISSUER_KID = 'rsa-e3';
export function weakIssuerJwk(): Record<string, unknown> {
  return { ...rsaKeyWithExponent(3).publicJwk, kid: WEAK_ISSUER_KID, alg: 'RS256', use: 'sig' };
}

const proofRefused = { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' } as const;
const tokenRefusedDpop = { status: 401, scheme: 'DPoP', error: 'invalid_token' } as const;

export const DPOP_ROWS: readonly DpopRow[] = [
  // DPoP happy flows
  { name: 'DPoP: a bound token with a valid proof passes', app: 'default', path: '/protected', build: dpop('/protected'), expect: { status: 200, auth: true } },
  {
    name: 'DPoP: a POST with a JSON body and a valid proof passes',
    app: 'default',
    method: 'POST',
    path: '/protected',
    build: (c) => ({ ...dpop('/protected', { method: 'POST' })(c), body: '{"order":1}', headers: [...dpop('/protected', { method: 'POST' })(c).headers, ['Content-Type', 'application/json']] }),
    expect: { status: 200, auth: true },
  },
  { name: 'DPoP: the query is not part of htu', app: 'default', path: '/protected?limit=5', build: dpop('/protected'), expect: { status: 200, auth: true } },
  { name: 'DPoP: optional mode still refuses a bad proof', app: 'default', optional: true, path: '/protected', build: dpop('/protected', { proof: { htm: 'POST' } }), expect: proofRefused },
  { name: 'DPoP: a scoped route accepts a bound token with the scope', app: 'default', path: '/read', build: dpop('/read'), expect: { status: 200, auth: true } },

  // Proof failures (RFC 9449 §4.3): 401 invalid_dpop_proof in the DPoP scheme
  { name: 'DPoP: the DPoP header is missing', app: 'default', path: '/protected', build: (c) => ({ headers: [['Authorization', `DPoP ${bound(c.issuer, c.key)}`]] }), expect: proofRefused },
  {
    name: 'DPoP: two DPoP headers',
    app: 'default',
    path: '/protected',
    build: (c) => {
      const request = dpop('/protected')(c);
      return { ...request, headers: [...request.headers, ['DPoP', request.headers[1]![1]]] };
    },
    expect: proofRefused,
  },
  { name: 'DPoP: typ is not dpop+jwt', app: 'default', path: '/protected', build: dpop('/protected', { proof: { header: { typ: 'JWT' } } }), expect: proofRefused },
  { name: 'DPoP: alg none', app: 'default', path: '/protected', build: dpop('/protected', { proof: { alg: 'none' } }), expect: proofRefused },
  { name: 'DPoP: the signature is not by the jwk', app: 'default', path: '/protected', build: dpop('/protected', { proof: { signingKey: createDpopKey().privateKey } }), expect: proofRefused },
  { name: 'DPoP: htm differs from the method', app: 'default', path: '/protected', build: dpop('/protected', { proof: { htm: 'DELETE' } }), expect: proofRefused },
  { name: 'DPoP: htu names another path', app: 'default', path: '/protected', build: (c) => dpop('/protected', { proof: { htu: `${c.url}/admin` } })(c), expect: proofRefused },
  { name: 'DPoP: htu names https on an http app', app: 'default', path: '/protected', build: (c) => dpop('/protected', { proof: { htu: `${c.url.replace('http:', 'https:')}/protected` } })(c), expect: proofRefused },
  { name: 'DPoP: iat is older than the window', app: 'default', path: '/protected', build: dpop('/protected', { proof: { iat: now() - 400 } }), expect: proofRefused },
  { name: 'DPoP: ath is missing', app: 'default', path: '/protected', build: dpop('/protected', { proof: { claims: { ath: undefined } } }), expect: proofRefused },
  { name: 'DPoP: a replayed proof', app: 'default', path: '/protected', build: (c) => ({ ...dpop('/protected')(c), replay: true }), expect: proofRefused },
  {
    name: 'DPoP: a malformed Host cannot move a proof for /admin to /protected',
    app: 'default',
    notOverFetch: 'the Request URL is built from Host: the node:http bridge answers 400 before any adapter runs',
    path: '/protected',
    build: (c) => dpop('/protected', { proof: { htu: `${c.url}/admin` }, headers: [['Host', `${new URL(c.url).host}/admin?`]] })(c),
    expect: proofRefused,
  },

  // Proof keys (FIPS 186-5 exponents; the key is compared with cnf.jkt before the signature is checked)
  {
    name: 'DPoP: an RSA proof key with e = 65537 passes',
    app: 'default',
    path: '/protected',
    build: (c) => {
      const key = rsaKeyWithExponent(65537);
      return dpop('/protected', { token: () => bound(c.issuer, key), proof: { key } })(c);
    },
    expect: { status: 200, auth: true },
  },
  {
    name: 'DPoP: an RSA proof key with e = 3 is refused (FIPS 186-5: 2^16 < e)',
    app: 'default',
    path: '/protected',
    build: (c) => {
      const key = rsaKeyWithExponent(3);
      return dpop('/protected', { token: () => bound(c.issuer, key), proof: { key } })(c);
    },
    expect: proofRefused,
  },
  {
    name: 'DPoP: a proof by a key other than cnf.jkt is refused as the wrong key before its signature is checked',
    app: 'default',
    path: '/protected',
    build: dpop('/protected', { proof: { key: createDpopKey(), signingKey: createDpopKey().privateKey } }),
    expect: tokenRefusedDpop,
  },


  {
    name: 'issuer keys: a published RSA key with e = 3 verifies nothing (FIPS 186-5: 2^16 < e)',
    app: 'default',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' }, { kid: WEAK_ISSUER_KID, key: rsaKeyWithExponent(3).privateKey });
      return { token, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 401, scheme: 'Bearer', error: 'invalid_token' },
  },

  // Binding failures: 401 invalid_token, in the scheme the client used
  { name: 'DPoP: the proof key is not the token’s cnf.jkt', app: 'default', path: '/protected', build: dpop('/protected', { token: (c) => bound(c.issuer, createDpopKey()) }), expect: tokenRefusedDpop },
  { name: 'DPoP: the DPoP scheme with an unbound token', app: 'default', path: '/protected', build: dpop('/protected', { token: (c) => c.issuer.mint({ scope: 'orders:read' }) }), expect: tokenRefusedDpop },
  {
    name: 'DPoP: a DPoP-bound token sent as Bearer',
    app: 'default',
    path: '/protected',
    build: (c) => {
      const token = bound(c.issuer, c.key);
      return { token, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 401, scheme: 'Bearer', error: 'invalid_token' },
  },
  { name: 'DPoP: 403 insufficient_scope answers in the DPoP scheme', app: 'default', path: '/read-write', build: dpop('/read-write'), expect: { status: 403, scheme: 'DPoP', error: 'insufficient_scope', scope: 'orders:read orders:write' } },

  // mode: 'required'
  { name: "required: a bare 401 offers DPoP alone", app: 'required', path: '/protected', build: () => ({ headers: [] }), expect: { status: 401, error: null, challenge: `DPoP realm="${REALM}", algs="ES256 EdDSA"` } },
  {
    name: 'required: a Bearer token is refused in the DPoP scheme',
    app: 'required',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' });
      return { token, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: tokenRefusedDpop,
  },
  { name: 'required: a bound token with a valid proof passes', app: 'required', path: '/protected', build: dpop('/protected'), expect: { status: 200, auth: true } },

  // nonce (RFC 9449 §8)
  { name: 'nonce: a proof without the nonce gets 401 use_dpop_nonce and a DPoP-Nonce header', app: 'nonce', path: '/protected', build: dpop('/protected'), expect: { status: 401, scheme: 'DPoP', error: 'use_dpop_nonce', nonceHeader: true } },
  {
    name: 'nonce: the retry with the server nonce passes',
    app: 'nonce',
    path: '/protected',
    build: async (c) => {
      const token = bound(c.issuer, c.key);
      const nonce = await c.nonce(token);
      return dpop('/protected', { token: () => token, proof: { nonce } })(c);
    },
    // RFC 9449 §8.2: a successful answer carries the current nonce, so the client never waits for a 401.
    expect: { status: 200, auth: true, nonceHeader: true },
  },
  {
    name: 'nonce: a 403 for a missing scope also carries the current nonce (the token was accepted)',
    app: 'nonce',
    path: '/read-write',
    build: async (c) => {
      const token = bound(c.issuer, c.key);
      const nonce = await c.nonce(token);
      return dpop('/read-write', { token: () => token, proof: { nonce } })(c);
    },
    expect: { status: 403, scheme: 'DPoP', error: 'insufficient_scope', scope: 'orders:read orders:write', nonceHeader: true },
  },
  {
    name: 'nonce: a bearer token on the nonce app gets no DPoP-Nonce (nonces are for DPoP requests)',
    app: 'nonce',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' });
      return { token, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 200, auth: true },
  },
  { name: 'nonce: a forged nonce gets use_dpop_nonce', app: 'nonce', path: '/protected', build: dpop('/protected', { proof: { nonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }), expect: { status: 401, scheme: 'DPoP', error: 'use_dpop_nonce', nonceHeader: true } },

  // Certificate-bound tokens over real TLS (RFC 8705 §3)
  {
    name: 'mTLS: a token bound to the client certificate passes with it',
    app: 'tls',
    notOverFetch: 'a Request has no TLS socket: certificate-bound tokens pass through mtls.certificateHeader only',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' }, { certificate: c.client });
      return { token, cert: c.client, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 200, auth: true },
  },
  {
    name: 'mTLS: without a client certificate, 401 invalid_token',
    app: 'tls',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' }, { certificate: c.client });
      return { token, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 401, scheme: 'Bearer', error: 'invalid_token' },
  },
  {
    name: 'mTLS: with another client certificate, 401 invalid_token',
    app: 'tls',
    notOverFetch: 'a Request has no TLS socket: the certificate sent is not seen, so the refusal says none was presented',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' }, { certificate: c.client });
      return { token, cert: c.otherClient, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 401, scheme: 'Bearer', error: 'invalid_token' },
  },
  {
    name: 'mTLS: a Client-Cert header is ignored without mtls.certificateHeader',
    app: 'tls',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' }, { certificate: c.client });
      return { token, headers: [['Authorization', `Bearer ${token}`], ['Client-Cert', `:${c.client.der.toString('base64')}:`]] };
    },
    expect: { status: 401, scheme: 'Bearer', error: 'invalid_token' },
  },
  {
    name: 'mTLS: a plain bearer token passes over TLS with or without a certificate',
    app: 'tls',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' });
      return { token, cert: c.client, headers: [['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 200, auth: true },
  },
  { name: 'mTLS: a DPoP proof over TLS names https', app: 'tls', path: '/protected', build: dpop('/protected'), expect: { status: 200, auth: true } },
  {
    name: 'mTLS and DPoP: a token bound both ways needs both',
    app: 'tls',
    notOverFetch: 'a Request has no TLS socket: the certificate sent is not seen, so the refusal says none was presented',
    path: '/protected',
    build: (c) => ({ ...dpop('/protected', { token: () => c.issuer.mint({ scope: 'orders:read' }, { dpopKey: c.key, certificate: c.client }) })(c), cert: c.otherClient }),
    expect: tokenRefusedDpop,
  },
  // Request targets (RFC 9112 §3.2): the URL checked against htu is the one the router serves.
  { name: 'target: absolute form with a proof for exactly that URI passes', app: 'default', path: '/protected', absoluteForm: true, build: dpop('/protected'), expect: { status: 200, auth: true } },
  { name: 'target: absolute form with a proof for another path is refused', app: 'default', path: '/read', absoluteForm: true, build: dpop('/protected'), expect: proofRefused },
  { name: 'target: a proof for /files/a/b passes there', app: 'default', path: '/files/a/b', build: dpop('/files/a/b'), expect: { status: 200, auth: true } },
  { name: 'target: /files/../protected does not take a proof for /protected', app: 'default', notOverFetch: 'a Request URL is a WHATWG URL: its dot segments are gone before any router or adapter sees it, so the proof names the path that is served', path: '/files/../protected', build: dpop('/protected'), expect: proofRefused },
  { name: 'target: /files/%2e%2e/protected does not take a proof for /protected', app: 'default', notOverFetch: 'a Request URL is a WHATWG URL: its dot segments are gone before any router or adapter sees it, so the proof names the path that is served', path: '/files/%2e%2e/protected', build: dpop('/protected'), expect: proofRefused },
  { name: 'target: /files/%2E%2e/protected (mixed case) does not take a proof for /protected', app: 'default', notOverFetch: 'a Request URL is a WHATWG URL: its dot segments are gone before any router or adapter sees it, so the proof names the path that is served', path: '/files/%2E%2e/protected', build: dpop('/protected'), expect: proofRefused },
  { name: 'target: /files/.%2E/protected (raw and encoded) does not take a proof for /protected', app: 'default', notOverFetch: 'a Request URL is a WHATWG URL: its dot segments are gone before any router or adapter sees it, so the proof names the path that is served', path: '/files/.%2E/protected', build: dpop('/protected'), expect: proofRefused },
  { name: 'target: /files/./protected does not take a proof for /files/protected', app: 'default', notOverFetch: 'a Request URL is a WHATWG URL: its dot segments are gone before any router or adapter sees it, so the proof names the path that is served', path: '/files/./protected', build: dpop('/files/protected'), expect: proofRefused },
  {
    name: 'target: two Host lines are a 400 (RFC 9112 §3.2)',
    app: 'default',
    path: '/protected',
    build: (c) => dpop('/protected', { headers: [['Host', new URL(c.url).host], ['Host', 'evil.example']] })(c),
    expect: { status: 400, scheme: 'DPoP', error: 'invalid_request' },
  },
  {
    name: 'target: two Host lines are a 400 with a bearer token too',
    app: 'default',
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' });
      return { token, headers: [['Host', new URL(c.url).host], ['Host', new URL(c.url).host], ['Authorization', `Bearer ${token}`]] };
    },
    expect: { status: 400, scheme: 'Bearer', error: 'invalid_request' },
  },

  // Forwarded client certificates (RFC 8705 §3 behind a proxy): one certificate, from the proxy, or none.
  ...xfccRows(),
  { name: 'default: a bare 401 offers Bearer and DPoP', app: 'default', path: '/protected', build: () => ({ headers: [] }), expect: { status: 401, error: null, challenge: `Bearer realm="${REALM}", DPoP realm="${REALM}", algs="${DPOP_ALGS}"` } },
];

/** Envoy's XFCC `Cert` value: the URL-encoded PEM, quoted. */
const xfccCert = (cert: TestCertificate) => `Cert="${encodeURIComponent(cert.cert)}"`;
/** A PEM on one header line (a header cannot hold line breaks). */
const pemLine = (cert: TestCertificate) => cert.cert.trim().replace(/\n/g, ' ');

function certRequest(app: ProxyApp, name: string, bindTo: (c: DpopContext) => TestCertificate, values: (c: DpopContext) => [string, string][], status: 200 | 401): DpopRow {
  return {
    name,
    app,
    path: '/protected',
    build: (c) => {
      const token = c.issuer.mint({ scope: 'orders:read' }, { certificate: bindTo(c) });
      return { token, headers: [['Authorization', `Bearer ${token}`], ...values(c)] };
    },
    expect: status === 200 ? { status: 200, auth: true } : { status: 401, scheme: 'Bearer', error: 'invalid_token' },
  };
}

function xfccRows(): DpopRow[] {
  const XFCC = 'X-Forwarded-Client-Cert';
  const client = (c: DpopContext) => c.client;
  const other = (c: DpopContext) => c.otherClient;
  return [
    certRequest('xfcc', 'xfcc: one element with the client certificate passes', client, (c) => [[XFCC, `By=spiffe://api;Hash=ab12;${xfccCert(c.client)};Subject="CN=orders-service"`]], 200),
    certRequest(
      'xfcc',
      'xfcc: a quoted Subject holding escaped quotes and commas is one element',
      client,
      (c) => [[XFCC, `Hash=ab12;Subject="CN=\\"orders, service\\", O=Example";${xfccCert(c.client)};URI=spiffe://orders`]],
      200,
    ),
    certRequest(
      'xfcc',
      'xfcc: an element injected before the proxy’s (ending in an unquoted value) is refused, not read first',
      client,
      (c) => [[XFCC, `${xfccCert(c.client)};By=spiffe://evil,By=spiffe://api;${xfccCert(c.otherClient)}`]],
      401,
    ),
    certRequest('xfcc', 'xfcc: two elements are refused by default, even for the last one', other, (c) => [[XFCC, `${xfccCert(c.client)},${xfccCert(c.otherClient)}`]], 401),
    certRequest('xfcc', 'xfcc: two header lines are refused', client, (c) => [[XFCC, xfccCert(c.client)], [XFCC, xfccCert(c.client)]], 401),
    certRequest('xfcc', 'xfcc: an element with two Cert pairs is refused', client, (c) => [[XFCC, `${xfccCert(c.client)};${xfccCert(c.otherClient)}`]], 401),
    certRequest('xfcc', 'xfcc: an unterminated quote is refused', client, (c) => [[XFCC, `Subject="CN=x;${xfccCert(c.client)}`]], 401),
    certRequest('xfcc-append', 'xfcc with one appending proxy: the element it appended (last) is read', other, (c) => [[XFCC, `${xfccCert(c.client)},By=spiffe://api;${xfccCert(c.otherClient)}`]], 200),
    certRequest('xfcc-append', 'xfcc with one appending proxy: the client’s own element is never read', client, (c) => [[XFCC, `${xfccCert(c.client)},By=spiffe://api;${xfccCert(c.otherClient)}`]], 401),
    certRequest('pem', 'pem: one certificate passes', client, (c) => [['X-SSL-Client-Cert', pemLine(c.client)]], 200),
    certRequest('pem', 'pem: two header lines (the client’s, then the proxy’s) are refused', client, (c) => [['X-SSL-Client-Cert', pemLine(c.client)], ['X-SSL-Client-Cert', pemLine(c.otherClient)]], 401),
    certRequest('pem', 'pem: two certificates in one value are refused', client, (c) => [['X-SSL-Client-Cert', `${pemLine(c.client)} ${pemLine(c.otherClient)}`]], 401),
    certRequest('url-pem', 'url-encoded-pem: one certificate passes', client, (c) => [['X-Client-Cert', encodeURIComponent(c.client.cert)]], 200),
    certRequest('url-pem', 'url-encoded-pem: two header lines are refused', client, (c) => [['X-Client-Cert', encodeURIComponent(c.client.cert)], ['X-Client-Cert', encodeURIComponent(c.otherClient.cert)]], 401),
    certRequest('url-pem', 'url-encoded-pem: two certificates in one value are refused', client, (c) => [['X-Client-Cert', encodeURIComponent(c.client.cert + c.otherClient.cert)]], 401),
  ];
}
