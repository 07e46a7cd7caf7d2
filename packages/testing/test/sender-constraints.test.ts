import { X509Certificate, createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  createClientCertificate,
  createDpopKey,
  createDpopProof,
  createTestCertificateAuthority,
  jwkThumbprint,
  DPOP_PROOF_ALGORITHMS,
  type DpopAlgorithm,
  startFakeIssuer,
  type FakeIssuer,
  type TestCertificate,
} from '../src/index.js';

const CLIENT = { clientId: 'orders-service', clientSecret: 'orders-secret', scopes: ['orders:read'] };
let issuer: FakeIssuer;

beforeAll(async () => {
  issuer = await startFakeIssuer({ clients: [CLIENT], mtls: true });
});
afterAll(async () => {
  await issuer.close();
});

async function tokenRequest(headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(CLIENT.clientId, CLIENT.clientSecret), ...headers },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function mtlsTokenRequest(cert: TestCertificate | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const mtls = issuer.mtls!;
  const body = 'grant_type=client_credentials';
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      mtls.tokenEndpoint,
      {
        method: 'POST',
        ca: mtls.ca,
        ...(cert === undefined ? {} : { key: cert.key, cert: cert.cert }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(CLIENT.clientId, CLIENT.clientSecret), 'content-length': body.length },
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('DPoP proofs and keys for tests', () => {
  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'] as const)('the %s key thumbprint is RFC 7638 (agrees with jose)', async (alg) => {
    const key = createDpopKey(alg);
    expect(key.thumbprint).toBe(await calculateJwkThumbprint(key.publicJwk as Parameters<typeof calculateJwkThumbprint>[0], 'sha256'));
    expect(jwkThumbprint({ ...key.publicJwk, kid: 'x', use: 'sig' })).toBe(key.thumbprint);
  });

  it('createDpopProof makes a dpop+jwt with jwk, htm, htu, iat, jti, ath and nonce, and overrides for bad ones', () => {
    const key = createDpopKey();
    const proof = createDpopProof({ key, htm: 'GET', htu: 'https://api.example.com/orders', accessToken: 'abc', nonce: 'n1', iat: 1000, jti: 'j1' });
    expect(decodeProtectedHeader(proof)).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk });
    expect(decodeJwt(proof)).toEqual({
      jti: 'j1', htm: 'GET', htu: 'https://api.example.com/orders', iat: 1000, nonce: 'n1',
      ath: createHash('sha256').update('abc').digest('base64url'),
    });
    const bad = createDpopProof({ key, htm: 'GET', htu: 'x', header: { typ: undefined, extra: 1 }, claims: { htm: undefined } });
    expect(decodeProtectedHeader(bad)).toEqual({ alg: 'ES256', jwk: key.publicJwk, extra: 1 });
    expect(decodeJwt(bad).htm).toBeUndefined();
  });

  it('mint() binds by dpopKey (cnf.jkt) and by certificate (cnf["x5t#S256"]), keeping other cnf members', () => {
    const key = createDpopKey();
    const cert = createClientCertificate();
    const claims = decodeJwt(issuer.mint({ cnf: { kid: 'k' } }, { dpopKey: key, certificate: cert.cert }));
    expect(claims.cnf).toEqual({ kid: 'k', jkt: key.thumbprint, 'x5t#S256': cert.thumbprint });
    expect(cert.thumbprint).toBe(createHash('sha256').update(new X509Certificate(cert.cert).raw).digest('base64url'));
  });
});

describe('the token endpoint with DPoP (RFC 9449 §5)', () => {
  it('happy flow: a valid proof gets token_type DPoP and a token with cnf.jkt', async () => {
    const key = createDpopKey();
    const answer = await tokenRequest({ dpop: createDpopProof({ key, htm: 'POST', htu: issuer.tokenEndpoint }) });
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('DPoP');
    expect(decodeJwt(answer.body.access_token as string).cnf).toEqual({ jkt: key.thumbprint });
  });

  it('without a DPoP header the token stays a Bearer token without cnf', async () => {
    const answer = await tokenRequest({});
    expect(answer.body.token_type).toBe('Bearer');
    expect(decodeJwt(answer.body.access_token as string).cnf).toBeUndefined();
  });

  it.each([
    ['htm is GET', { htm: 'GET' }],
    ['htu is another URL', { htu: 'http://127.0.0.1/other' }],
    ['iat is an hour old', { iat: Math.floor(Date.now() / 1000) - 3600 }],
    ['typ is JWT', { header: { typ: 'JWT' } }],
  ])('400 invalid_dpop_proof when %s', async (_name, overrides) => {
    const answer = await tokenRequest({ dpop: createDpopProof({ htm: 'POST', htu: issuer.tokenEndpoint, ...overrides }) });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_dpop_proof');
  });

  it('both metadata documents advertise dpop_signing_alg_values_supported (RFC 9449 §5.1): the six proof algorithms, DPOP_PROOF_ALGORITHMS', async () => {
    for (const url of [issuer.metadataUrl, issuer.openidConfigurationUrl]) {
      const metadata = (await (await fetch(url)).json()) as Record<string, unknown>;
      expect(metadata.dpop_signing_alg_values_supported).toEqual(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA']);
      expect(metadata.dpop_signing_alg_values_supported).toEqual([...DPOP_PROOF_ALGORITHMS]);
    }
  });

  it('a proof signed with each advertised algorithm gets a DPoP-bound token for that key', async () => {
    const metadata = (await (await fetch(issuer.metadataUrl)).json()) as { dpop_signing_alg_values_supported: DpopAlgorithm[] };
    const advertised = metadata.dpop_signing_alg_values_supported;
    expect(advertised.length).toBeGreaterThan(0);
    for (const alg of advertised) {
      const key = createDpopKey(alg);
      const proof = createDpopProof({ key, htm: 'POST', htu: issuer.tokenEndpoint });
      expect(decodeProtectedHeader(proof).alg).toBe(alg);
      const answer = await tokenRequest({ dpop: proof });
      expect({ alg, status: answer.status, tokenType: answer.body.token_type }).toEqual({ alg, status: 200, tokenType: 'DPoP' });
      expect(decodeJwt(answer.body.access_token as string).cnf).toEqual({ jkt: key.thumbprint });
    }
  });

  it('400 invalid_dpop_proof for a proof signed with an algorithm the metadata does not advertise (RS384 with an RSA key)', async () => {
    const metadata = (await (await fetch(issuer.metadataUrl)).json()) as { dpop_signing_alg_values_supported: string[] };
    expect(metadata.dpop_signing_alg_values_supported).not.toContain('RS384');
    const answer = await tokenRequest({ dpop: createDpopProof({ key: createDpopKey('RS256'), alg: 'RS384', htm: 'POST', htu: issuer.tokenEndpoint }) });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_dpop_proof');
  });
});

describe('TLS mode: certificate-bound tokens (RFC 8705)', () => {
  it('the mTLS endpoint alias binds the token to the client certificate', async () => {
    const cert = issuer.mtls!.certificateAuthority.issue({ commonName: 'orders-service' });
    const answer = await mtlsTokenRequest(cert);
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token as string).cnf).toEqual({ 'x5t#S256': cert.thumbprint });
  });

  it('a self-signed client certificate is bound too; without a certificate the token is unbound', async () => {
    const selfSigned = createClientCertificate();
    expect(decodeJwt((await mtlsTokenRequest(selfSigned)).body.access_token as string).cnf).toEqual({ 'x5t#S256': selfSigned.thumbprint });
    expect(decodeJwt((await mtlsTokenRequest(undefined)).body.access_token as string).cnf).toBeUndefined();
  });

  it('a CA of the test’s own can be given', async () => {
    const ca = createTestCertificateAuthority('My CA');
    const other = await startFakeIssuer({ mtls: { certificateAuthority: ca } });
    try {
      expect(other.mtls!.ca).toBe(ca.cert);
    } finally {
      await other.close();
    }
  });
});

describe('certificates are valid DER, whatever their random serial', () => {
  it('1,000 client certificates and 1,000 issued by a CA all parse (a serial with a non-minimal leading zero failed one in 256)', () => {
    const ca = createTestCertificateAuthority();
    let parsed = 0;
    for (let i = 0; i < 1_000; i++) {
      for (const certificate of [createClientCertificate(), ca.issue({ subjectAltNames: ['127.0.0.1'] })]) {
        expect(new X509Certificate(certificate.der).fingerprint256).toMatch(/^[0-9A-F:]+$/);
        parsed += 1;
      }
    }
    expect(parsed).toBe(2_000);
  });
});
