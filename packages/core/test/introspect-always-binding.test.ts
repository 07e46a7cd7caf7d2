// `introspect: 'always'`: a binding (`cnf`) named by the introspection answer is enforced like the JWT's
// own. The JWTs come from the fake issuer and are verified with its JWKS; the introspection endpoint is
// a small loopback server of this test, so that its answer can name a binding the JWT does not.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, createVerifier, type RequestDescriptor, type Verifier } from '../src/index.js';

const HOST = 'api.example.com';
const HTU = `http://${HOST}/orders`;

let issuer: FakeIssuer;
let endpoint: Server;
let endpointUrl: string;
/** What the test's introspection endpoint adds to `{ active: true, …the JWT's claims }`. */
let servedCnf: Record<string, unknown> | undefined;
let key: DpopKey;
let otherKey: DpopKey;
const open: Verifier[] = [];

beforeAll(async () => {
  issuer = await startFakeIssuer();
  key = createDpopKey();
  otherKey = createDpopKey();
  endpoint = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? '';
      // The JWT's own claims, read without checking: this test's server trusts its own tokens.
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ active: true, ...claims, ...(servedCnf === undefined ? {} : { cnf: servedCnf }) }));
    });
  });
  endpoint.listen(0, '127.0.0.1');
  await once(endpoint, 'listening');
  const address = endpoint.address();
  endpointUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/introspect`;
});

afterEach(() => {
  servedCnf = undefined;
  for (const verifier of open.splice(0)) verifier.close();
});

afterAll(async () => {
  await issuer.close();
  endpoint.close();
});

function verifierFor(cacheTtl = 0): Verifier {
  const verifier = createVerifier({
    issuer: [
      {
        issuer: issuer.url,
        jwksUri: issuer.jwksUri,
        introspect: 'always',
        introspection: { clientId: 'api', clientSecret: 'secret', endpoint: endpointUrl, cacheTtl },
      },
    ],
    audience: issuer.audience,
  });
  open.push(verifier);
  return verifier;
}

function bearer(token: string): RequestDescriptor {
  return { method: 'GET', url: '/orders', headers: { host: HOST, authorization: `Bearer ${token}` } };
}

function dpop(token: string, proofKey: DpopKey = key): RequestDescriptor {
  const proof = createDpopProof({ key: proofKey, htm: 'GET', htu: HTU, accessToken: token });
  return { method: 'GET', url: '/orders', headers: { host: HOST, authorization: `DPoP ${token}`, dpop: proof } };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return `${error.status} ${error.reason}`;
    throw error;
  }
  return 'accepted';
}

describe("introspect: 'always' enforces the binding the introspection answer names", () => {
  it('a JWT without cnf that the server binds to a DPoP key: refused as a bearer token, accepted with a proof by that key only', async () => {
    servedCnf = { jkt: key.thumbprint };
    const verifier = verifierFor();
    const token = issuer.mint({ scope: 'orders:read' });
    expect(await reasonOf(verifier.verify(bearer(token)))).toBe('401 dpop_bound_token_as_bearer');
    expect(await reasonOf(verifier.verify(dpop(token, otherKey)))).toBe('401 dpop_key_mismatch');
    const auth = await verifier.verify(dpop(token));
    expect(auth.cnf).toEqual({ jkt: key.thumbprint });
  });

  it('the same holds on a token-cache hit: the cached token keeps the JWT\'s own cnf, each request gets the server\'s', async () => {
    const verifier = verifierFor();
    const token = issuer.mint({ scope: 'orders:read' });
    // First seen unbound by the server: accepted as a bearer token and cached.
    expect(await reasonOf(verifier.verify(bearer(token)))).toBe('accepted');
    servedCnf = { jkt: key.thumbprint };
    expect(await reasonOf(verifier.verify(bearer(token)))).toBe('401 dpop_bound_token_as_bearer');
    expect(await reasonOf(verifier.verify(dpop(token)))).toBe('accepted');
    expect(verifier.stats().tokenCache?.hits).toBeGreaterThanOrEqual(2);
  });

  it('a certificate binding only the server names is enforced: no certificate, 401 certificate_missing', async () => {
    servedCnf = { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' };
    const verifier = verifierFor();
    expect(await reasonOf(verifier.verify(bearer(issuer.mint({ scope: 'orders:read' }))))).toBe('401 certificate_missing');
  });

  it('a JWT bound to one key and a server answer naming another: 401 binding_conflict, whatever the proof', async () => {
    servedCnf = { jkt: otherKey.thumbprint };
    const verifier = verifierFor();
    const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: key });
    expect(await reasonOf(verifier.verify(dpop(token)))).toBe('401 binding_conflict');
    expect(await reasonOf(verifier.verify(dpop(token, otherKey)))).toBe('401 binding_conflict');
  });

  it('a server answer that repeats the JWT\'s binding, or names none, changes nothing', async () => {
    const verifier = verifierFor();
    const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: key });
    servedCnf = { jkt: key.thumbprint };
    expect(await reasonOf(verifier.verify(dpop(token)))).toBe('accepted');
    servedCnf = undefined;
    expect(await reasonOf(verifier.verify(dpop(token)))).toBe('accepted');
    expect(await reasonOf(verifier.verify(bearer(token)))).toBe('401 dpop_bound_token_as_bearer');
  });
});
