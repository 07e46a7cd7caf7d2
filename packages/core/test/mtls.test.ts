import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClientCertificate, createTestCertificateAuthority, startFakeIssuer, type FakeIssuer, type TestCertificate, type TestCertificateAuthority } from '@portcullis/testing';
import { AuthError, createVerifier, describeRequest, errorResponse, type RequestDescriptor, type Verifier, type VerifierOptions } from '../src/index.js';

let issuer: FakeIssuer;
let ca: TestCertificateAuthority;
let serverCert: TestCertificate;
let client: TestCertificate;
const closers: (() => Promise<void>)[] = [];

interface Answer {
  status: number;
  challenge: string | undefined;
  body: string;
}

async function answer(verifier: Verifier, req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  try {
    const auth = await verifier.verify(describeRequest(req));
    return { status: 200, headers: {}, body: JSON.stringify({ sub: auth.subject }) };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const { status, headers, body } = errorResponse(error);
    return { status, headers, body: JSON.stringify(body) };
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return (server.address() as AddressInfo).port;
}

function handler(verifier: Verifier) {
  return (req: IncomingMessage, res: ServerResponse) => {
    void answer(verifier, req).then(({ status, headers, body }) => res.writeHead(status, headers).end(body));
  };
}

/** An HTTPS API on 127.0.0.1 that asks for (but does not require) a client certificate. */
async function tlsApi(verifier: Verifier): Promise<number> {
  return listen(createHttpsServer({ key: serverCert.key, cert: serverCert.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: false }, handler(verifier)));
}

function get(port: number, token: string, tls: { cert?: TestCertificate } | false, headers: Record<string, string> = {}): Promise<Answer> {
  const options = { host: '127.0.0.1', port, path: '/orders', headers: { authorization: `Bearer ${token}`, ...headers }, timeout: 5000 };
  return new Promise((resolve, reject) => {
    const done = (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'], body }));
    };
    const req = tls === false
      ? httpRequest(options, done)
      : httpsRequest({ ...options, ca: ca.cert, ...(tls.cert === undefined ? {} : { key: tls.cert.key, cert: tls.cert.cert }) }, done);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function verifierFor(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, ...options } as VerifierOptions);
  closers.push(() => Promise.resolve(verifier.close()));
  return verifier;
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
  ca = createTestCertificateAuthority();
  serverCert = ca.issue({ commonName: '127.0.0.1', subjectAltNames: ['127.0.0.1'] });
  client = ca.issue({ commonName: 'orders-service' });
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await issuer.close();
});

describe('certificate-bound tokens over real TLS (RFC 8705 §3)', () => {
  it('happy flow: a token bound to the client certificate passes on a TLS request made with it', async () => {
    const port = await tlsApi(verifierFor());
    const result = await get(port, issuer.mint({}, { certificate: client }), { cert: client });
    expect(result.status, result.body).toBe(200);
  });

  it('happy flow: a self-signed client certificate (RFC 8705 §2.2) binds too', async () => {
    const selfSigned = createClientCertificate();
    const port = await tlsApi(verifierFor());
    expect((await get(port, issuer.mint({}, { certificate: selfSigned }), { cert: selfSigned })).status).toBe(200);
  });

  it('401 invalid_token (certificate_missing) when the TLS request has no client certificate', async () => {
    const verifier = verifierFor();
    const port = await tlsApi(verifier);
    const result = await get(port, issuer.mint({}, { certificate: client }), {});
    expect(result.status).toBe(401);
    expect(result.challenge).toMatch(/^Bearer error="invalid_token"/);
    expect(verifier.stats().rejectedByReason.certificate_missing).toBe(1);
  });

  it('401 invalid_token (certificate_mismatch) with another client certificate', async () => {
    const verifier = verifierFor();
    const port = await tlsApi(verifier);
    const result = await get(port, issuer.mint({}, { certificate: client }), { cert: ca.issue({ commonName: 'other' }) });
    expect(result.status).toBe(401);
    expect(verifier.stats().rejectedByReason.certificate_mismatch).toBe(1);
  });

  it('a plain bearer token passes over TLS without the certificate being read', async () => {
    let reads = 0;
    const verifier = verifierFor();
    const port = await listen(createHttpsServer({ key: serverCert.key, cert: serverCert.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const descriptor: RequestDescriptor = describeRequest(req);
      const read = descriptor.peerCertificate!;
      descriptor.peerCertificate = () => (reads++, read());
      void verifier.verify(descriptor).then(() => res.end('ok'), () => res.writeHead(401).end());
    }));
    expect((await get(port, issuer.mint(), { cert: client })).status).toBe(200);
    expect(reads).toBe(0);
  });

  it('a certificate header is ignored by default: over plain HTTP the bound token is refused', async () => {
    const port = await listen(createHttpServer(handler(verifierFor())));
    const headers = { 'client-cert': `:${client.der.toString('base64')}:`, 'x-ssl-client-cert': encodeURIComponent(client.cert) };
    const result = await get(port, issuer.mint({}, { certificate: client }), false, headers);
    expect(result.status).toBe(401);
  });

  describe('behind a TLS-terminating proxy, from the header the user names', () => {
    const forms: [string, 'rfc9440' | 'pem' | 'url-encoded-pem' | 'xfcc', () => string][] = [
      ['client-cert', 'rfc9440', () => `:${client.der.toString('base64')}:`],
      ['x-ssl-client-cert', 'pem', () => client.cert.replace(/\n/g, ' ')],
      ['x-ssl-client-cert', 'url-encoded-pem', () => encodeURIComponent(client.cert)],
      ['x-forwarded-client-cert', 'xfcc', () => `By=spiffe://api;Hash=abc;Cert="${encodeURIComponent(client.cert)}";Subject="CN=orders-service"`],
    ];
    it.each(forms)('%s (%s) passes with the right certificate and fails with another', async (header, format, value) => {
      const port = await listen(createHttpServer(handler(verifierFor({ mtls: { certificateHeader: header, certificateHeaderFormat: format } }))));
      expect((await get(port, issuer.mint({}, { certificate: client }), false, { [header]: value() })).status).toBe(200);
      const other = issuer.mint({}, { certificate: createClientCertificate() });
      expect((await get(port, other, false, { [header]: value() })).status).toBe(401);
    });

    it('a garbled header is no certificate (401, never a 500)', async () => {
      const port = await listen(createHttpServer(handler(verifierFor({ mtls: { certificateHeader: 'client-cert' } }))));
      for (const value of [':bm90IGEgY2VydA==:', 'MIIB', ':' + 'A'.repeat(12_000) + ':', '::']) {
        expect((await get(port, issuer.mint({}, { certificate: client }), false, { 'client-cert': value })).status).toBe(401);
      }
    });

    it('xfcc with two elements (two hops) is refused', async () => {
      const port = await listen(createHttpServer(handler(verifierFor({ mtls: { certificateHeader: 'x-forwarded-client-cert', certificateHeaderFormat: 'xfcc' } }))));
      const one = `Hash=abc;Cert="${encodeURIComponent(client.cert)}"`;
      expect((await get(port, issuer.mint({}, { certificate: client }), false, { 'x-forwarded-client-cert': `${one},${one}` })).status).toBe(401);
    });
  });
});
