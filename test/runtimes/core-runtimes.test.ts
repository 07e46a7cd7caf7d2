/**
 * @portcullis/core's built dist on Bun, Deno and workerd (miniflare, nodejs_compat): a verifier made at
 * module scope verifies tokens of every algorithm and DPoP proofs from the fake issuer on 127.0.0.1, and
 * refuses what it must, with the same outcome on every runtime. Run `pnpm build` first (the apps import dist).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import { HERE, RUNTIMES, requireBinary, startRuntime, type RuntimeHost } from './harness.js';

const CORE_DIST = join(HERE, '..', '..', 'packages', 'core', 'dist', 'index.js');
const HMAC_ISSUER = 'https://hmac.issuer.test';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const DPOP_ALGS = ['ES256', 'EdDSA', 'RS256'] as const;
const CORE_VERSION = (JSON.parse(readFileSync(join(HERE, '..', '..', 'packages', 'core', 'package.json'), 'utf8')) as { version: string }).version;

/** An issuer on 127.0.0.1 that serves `keysFrom`'s keys and records the User-Agent of every request. */
async function recordingIssuer(keysFrom: FakeIssuer): Promise<{ url: string; agents: (string | undefined)[]; close(): Promise<void> }> {
  const agents: (string | undefined)[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    agents.push(req.headers['user-agent']);
    const body =
      req.url === '/.well-known/oauth-authorization-server'
        ? { issuer: origin, jwks_uri: `${origin}/jwks` }
        : req.url === '/jwks'
          ? { keys: keysFrom.kids().map((kid) => keysFrom.publicJwk(kid)) }
          : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    agents,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Outcome {
  ok: boolean;
  status?: number;
  code?: string;
  reason?: string;
  alg?: string;
  bound?: boolean;
  sub?: string;
  thrown?: string;
}

for (const runtime of RUNTIMES) {
  const binary = requireBinary(runtime);
  describe.skipIf(binary === undefined)(`core on ${runtime}`, () => {
    let issuer: FakeIssuer;
    let host: RuntimeHost | undefined;
    let startError: unknown;
    let agentIssuer: Awaited<ReturnType<typeof recordingIssuer>>;
    const dpopKeys = new Map<string, DpopKey>();

    beforeAll(async () => {
      if (!existsSync(CORE_DIST)) throw new Error(`${CORE_DIST} is missing: run \`pnpm build\` first`);
      // No JWK alg: the same RSA key verifies RS* and PS* tokens, the EC keys every ES* size.
      issuer = await startFakeIssuer({ omitAlg: true });
      // The P-384 and P-521 keys are made on first use: in the JWKS before the app first fetches it.
      issuer.currentKid('ES384');
      issuer.currentKid('ES512');
      for (const alg of DPOP_ALGS) dpopKeys.set(alg, createDpopKey(alg));
      agentIssuer = await recordingIssuer(issuer);
      try {
        host = await startRuntime(runtime, binary!, {
          serveEntry: join(HERE, 'fixtures', 'serve.mjs'),
          workerEntry: join(HERE, 'fixtures', 'worker.mjs'),
          config: { issuer: issuer.url, audience: issuer.audience, hmacIssuer: HMAC_ISSUER, secret: SECRET, agentIssuer: agentIssuer.url },
        });
      } catch (error) {
        // Each test reports it (a worker that throws at module scope fails to start).
        startError = error;
      }
    }, 60_000);

    afterAll(async () => {
      await host?.close();
      await agentIssuer?.close();
      await issuer?.close();
    });

    async function call(path: string, headers: Record<string, string>, method = 'GET'): Promise<Outcome> {
      if (host === undefined) throw startError instanceof Error ? startError : new Error(String(startError));
      const response = await host.fetch(path, { method, headers });
      expect(response.status).toBe(200);
      return (await response.json()) as Outcome;
    }
    const bearer = (token: string) => call('/protected', { authorization: `Bearer ${token}` });

    it('starts with a verifier made at module scope', () => {
      if (host === undefined) throw startError;
      expect(host.version).toMatch(new RegExp(`^${runtime} \\d`));
    });

    for (const alg of ASYMMETRIC) {
      it(`accepts an ${alg} token`, async () => {
        expect(await bearer(issuer.mint({ sub: `user-${alg}` }, { alg }))).toEqual({ ok: true, sub: `user-${alg}`, alg, bound: false, scopes: ['read', 'write'] });
      });
      it(`refuses an ${alg} token signed by a key the issuer never published: 401 invalid_signature`, async () => {
        expect(await bearer(issuer.mint({}, { alg, key: 'attacker' }))).toEqual({ ok: false, status: 401, code: 'invalid_token', reason: 'invalid_signature' });
      });
    }

    it('accepts an HS256 token with the configured secret, refuses one with another secret', async () => {
      expect(await bearer(issuer.mint({ iss: HMAC_ISSUER }, { alg: 'HS256', secret: SECRET }))).toMatchObject({ ok: true, alg: 'HS256' });
      expect(await bearer(issuer.mint({ iss: HMAC_ISSUER }, { alg: 'HS256', secret: `${SECRET}x` }))).toEqual({
        ok: false,
        status: 401,
        code: 'invalid_token',
        reason: 'invalid_signature',
      });
    });

    it('refuses an expired token, a foreign audience and a missing credential', async () => {
      expect(await bearer(issuer.mint({}, { lifetime: -120 }))).toEqual({ ok: false, status: 401, code: 'invalid_token', reason: 'expired' });
      expect(await bearer(issuer.mint({ aud: 'https://other.example' }))).toEqual({ ok: false, status: 401, code: 'invalid_token', reason: 'invalid_audience' });
      expect(await call('/protected', {})).toEqual({ ok: false, status: 401, code: 'credentials_required', reason: 'credentials_missing' });
    });

    for (const alg of DPOP_ALGS) {
      it(`accepts a DPoP-bound token with an ${alg} proof`, async () => {
        const key = dpopKeys.get(alg)!;
        const token = issuer.mint({}, { dpopKey: key });
        const proof = createDpopProof({ key, htm: 'GET', htu: `${host?.origin}/protected`, accessToken: token });
        expect(await call('/protected', { authorization: `DPoP ${token}`, dpop: proof })).toEqual({ ok: true, sub: 'client-123', alg: 'RS256', bound: true, scopes: ['read', 'write'] });
      });

      it(`refuses an ${alg} proof signed by another key: 401 dpop_invalid_signature`, async () => {
        const key = dpopKeys.get(alg)!;
        const token = issuer.mint({}, { dpopKey: key });
        const other = createDpopKey(alg);
        const proof = createDpopProof({ key, signingKey: other.privateKey, htm: 'GET', htu: `${host?.origin}/protected`, accessToken: token });
        expect(await call('/protected', { authorization: `DPoP ${token}`, dpop: proof })).toEqual({ ok: false, status: 401, code: 'invalid_dpop_proof', reason: 'dpop_invalid_signature' });
      });
    }

    it('refuses a DPoP-bound token sent as a bearer token', async () => {
      const token = issuer.mint({}, { dpopKey: dpopKeys.get('ES256')! });
      expect(await bearer(token)).toEqual({ ok: false, status: 401, code: 'invalid_token', reason: 'dpop_bound_token_as_bearer' });
    });

    it(`discovery and JWKS requests say User-Agent: portcullis/${CORE_VERSION} (no file read at run time)`, async () => {
      expect(await call('/agent', { authorization: `Bearer ${issuer.mint({ iss: agentIssuer.url })}` })).toMatchObject({ ok: true, alg: 'RS256' });
      expect(agentIssuer.agents).toEqual([`portcullis/${CORE_VERSION}`, `portcullis/${CORE_VERSION}`]);
    });

    it('a verifier made while serving one request discovers and fetches keys while serving a later one', async () => {
      expect(await call('/late/make', {}, 'POST')).toEqual({ made: true } as unknown as Outcome);
      const before = { ...issuer.stats };
      expect(await call('/late/use', { authorization: `Bearer ${issuer.mint({}, { alg: 'RS256' })}` })).toMatchObject({ ok: true, alg: 'RS256' });
      expect(issuer.stats.metadataRequests).toBe(before.metadataRequests + 1);
      expect(issuer.stats.jwksRequests).toBe(before.jwksRequests + 1);
    });
  });
}
