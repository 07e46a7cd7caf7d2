/**
 * The sender-constrained rows (table-dpop.ts) through every adapter and framework version, over real
 * HTTP and real TLS on 127.0.0.1, with the same byte-identical comparison as the main table.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import {
  createClientCertificate,
  createDpopKey,
  createDpopProof,
  createTestCertificateAuthority,
  startFakeIssuer,
  type DpopKey,
  type FakeIssuer,
  type TestCertificate,
  type TestCertificateAuthority,
} from '@portcullis/testing';
import { ADAPTERS, type AppTls, type RunningApp } from './apps.js';
import { REALM } from './table.js';
import { DPOP_ROWS, weakIssuerJwk, type DpopApp, type DpopContext, type DpopRequest, type DpopRow } from './table-dpop.js';
import { expectIdenticalRefusals, type Answer, type AnswersByRow } from './identical.js';


let issuer: FakeIssuer;
let ca: TestCertificateAuthority;
let tls: AppTls;
let key: DpopKey;
let client: TestCertificate;
let otherClient: TestCertificate;
const verifiers = new Map<DpopApp, Verifier>();
const answers: AnswersByRow = new Map();

/** Sends `path` as the request target byte for byte: no client-side removal of dot segments. */
function send(url: string, method: string, path: string, request: DpopRequest): Promise<Answer> {
  const target = new URL(url);
  const lines: string[] = [];
  if (!request.headers.some(([name]) => name.toLowerCase() === 'host')) lines.push('Host', target.host);
  for (const [name, value] of request.headers) lines.push(name, value);
  if (request.body !== undefined) lines.push('Content-Length', String(Buffer.byteLength(request.body)));
  return new Promise((resolve, reject) => {
    const done = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const options = { method, headers: lines, timeout: 10_000, hostname: target.hostname, port: target.port, path };
    const req = target.protocol === 'https:'
      ? httpsRequest({ ...options, ca: ca.cert, servername: undefined, ...(request.cert === undefined ? {} : { key: request.cert.key, cert: request.cert.cert }) }, done)
      : httpRequest(options, done);
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
  issuer.addKey(weakIssuerJwk());
  ca = createTestCertificateAuthority();
  const server = ca.issue({ commonName: '127.0.0.1', subjectAltNames: ['127.0.0.1'] });
  tls = { key: server.key, cert: server.cert, ca: ca.cert };
  key = createDpopKey();
  client = ca.issue({ commonName: 'orders-service' });
  otherClient = createClientCertificate('someone-else');
  const base = { issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, realm: REALM };
  verifiers.set('default', createVerifier(base));
  verifiers.set('tls', verifiers.get('default')!);
  verifiers.set('required', createVerifier({ ...base, dpop: { mode: 'required', algorithms: ['ES256', 'EdDSA'] } }));
  const mtls = (certificateHeader: string, certificateHeaderFormat: 'xfcc' | 'pem' | 'url-encoded-pem', more: Record<string, unknown> = {}) =>
    createVerifier({ ...base, mtls: { certificateHeader, certificateHeaderFormat, ...more } });
  verifiers.set('xfcc', mtls('x-forwarded-client-cert', 'xfcc'));
  verifiers.set('xfcc-append', mtls('x-forwarded-client-cert', 'xfcc', { xfccAppendingProxies: 1 }));
  verifiers.set('pem', mtls('x-ssl-client-cert', 'pem'));
  verifiers.set('url-pem', mtls('x-client-cert', 'url-encoded-pem'));
  verifiers.set('nonce', createVerifier({ ...base, dpop: { nonce: { secret: 'conformance-nonce-secret-32-bytes!', lifetime: 300 } } }));
});

afterAll(async () => {
  for (const verifier of new Set(verifiers.values())) verifier.close();
  await issuer.close();
});

describe.each(ADAPTERS)('sender-constrained conformance: $name', (adapter) => {
  const apps = new Map<string, RunningApp>();

  beforeAll(async () => {
    for (const app of ['default', 'required', 'nonce', 'tls', 'xfcc', 'xfcc-append', 'pem', 'url-pem'] as const) {
      for (const optional of [false, true]) {
        apps.set(`${app}:${optional}`, await adapter.start({ verifier: verifiers.get(app)!, optional, tls: app === 'tls' ? tls : undefined }));
      }
    }
  });
  afterAll(async () => {
    for (const app of apps.values()) await app.close();
  });

  const rows = adapter.fetch === true ? DPOP_ROWS.filter((row) => row.notOverFetch === undefined) : DPOP_ROWS;
  it.each(rows)('$name', async (row: DpopRow) => {
    const app = apps.get(`${row.app}:${row.optional === true}`)!;
    const method = row.method ?? 'GET';
    const context: DpopContext = {
      issuer,
      url: app.url,
      key,
      client,
      otherClient,
      nonce: async (token) => {
        const proof = createDpopProof({ key, htm: 'GET', htu: `${app.url}/protected`, accessToken: token });
        const answer = await send(app.url, 'GET', '/protected', { headers: [['Authorization', `DPoP ${token}`], ['DPoP', proof]] });
        return answer.headers['dpop-nonce'] as string;
      },
    };
    const request = await row.build(context);
    // An absolute-form target (RFC 9112 §3.2.2) names the app's own origin.
    const path = row.absoluteForm === true ? `${app.url}${row.path}` : row.path;
    if (request.replay === true) expect((await send(app.url, method, path, request)).status).toBe(200);
    const answer = await send(app.url, method, path, request);
    const expected = row.expect;
    expect(answer.status, answer.body).toBe(expected.status);
    const challenge = answer.headers['www-authenticate'] as string | undefined;
    if (expected.status >= 400) {
      if (request.token !== undefined) expect(answer.body).not.toContain(request.token);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
      if (expected.error === null) expect(challenge).toBe(expected.challenge);
      else if (expected.error !== undefined) {
        expect(body.error).toBe(expected.error);
        expect(challenge, challenge).toMatch(new RegExp(`^${expected.scheme} realm="${REALM}", error="${expected.error}", error_description="[^"]+"`));
        if (expected.scheme === 'DPoP') expect(challenge).toMatch(/, algs="[A-Za-z0-9 ]+"$/);
        if (expected.scope !== undefined) expect(challenge).toContain(`scope="${expected.scope}"`);
      }
    }
    expect(answer.headers['dpop-nonce'] !== undefined).toBe(expected.nonceHeader === true);
    if (expected.auth !== undefined) expect((JSON.parse(answer.body) as { auth: boolean }).auth).toBe(expected.auth);
    if (expected.status === 200) expect((JSON.parse(answer.body) as { files?: boolean }).files === true).toBe(row.path.startsWith('/files/'));

    let byAdapter = answers.get(row.name);
    if (byAdapter === undefined) answers.set(row.name, (byAdapter = new Map<string, Answer>()));
    byAdapter.set(adapter.name, answer);
  });
});

describe('every adapter answers sender-constrained requests alike', () => {
  it('the DPoP and mTLS rows cover 200, 401 and 403 in both schemes', () => {
    expect(DPOP_ROWS.length).toBeGreaterThanOrEqual(30);
    for (const status of [200, 401, 403]) expect(DPOP_ROWS.some((row) => row.expect.status === status)).toBe(true);
    expect(DPOP_ROWS.some((row) => row.app === 'tls' && row.expect.status === 401)).toBe(true);
  });

  it('refusals are byte-identical across adapters: status, challenge, DPoP-Nonce presence, content type and body', () => {
    const fetchAdapters = ADAPTERS.filter((adapter) => adapter.fetch === true).length;
    const notOverFetch = new Set(DPOP_ROWS.filter((row) => row.notOverFetch !== undefined).map((row) => row.name));
    expect(notOverFetch.size).toBeLessThanOrEqual(9);
    expectIdenticalRefusals(answers, DPOP_ROWS.length, (row) => ADAPTERS.length - (notOverFetch.has(row) ? fetchAdapters : 0), ['dpop-nonce']);
  });
});
