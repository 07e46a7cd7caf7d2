/**
 * The sender-constrained conformance rows (test/conformance/table-dpop.ts) that apply without a TLS
 * socket, against `@portcullis/web` and `@portcullis/hono` apps on Bun, Deno and workerd, each answer
 * compared with the Express 5 app's for the same row: status, challenge, content type, cache control,
 * body and DPoP-Nonce presence. One runtime process serves the six apps (three verifiers, strict and
 * optional), told apart by the first label of Host (`nonce-strict.localhost`), resolved to 127.0.0.1 here.
 */
import { request as httpRequest } from 'node:http';
import type { LookupFunction } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import {
  createClientCertificate,
  createDpopKey,
  createTestCertificateAuthority,
  createDpopProof,
  startFakeIssuer,
  type DpopKey,
  type FakeIssuer,
  type TestCertificate,
} from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from '../conformance/apps.js';
import { REALM } from '../conformance/table.js';
import { DPOP_ROWS, weakIssuerJwk, type DpopContext, type DpopRequest, type DpopRow } from '../conformance/table-dpop.js';
import { HERE, RUNTIMES, requireBinary, startRuntime, type RuntimeHost } from './harness.js';

const NONCE_SECRET = 'conformance-nonce-secret-32-bytes!';
const VARIANTS = ['default', 'required', 'nonce', 'xfcc', 'xfcc-append', 'pem', 'url-pem'] as const;
/** Dot segments, raw or percent-encoded (`/files/%2e%2e/protected`). */
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;
/**
 * Left out: rows a TLS socket or Node's own Host parsing decides (`app: 'tls'`, `DpopRow.notOverFetch`);
 * rows that send Host lines of their own, since here Host names the app; and targets with dot segments:
 * a runtime parses `request.url` with the WHATWG URL parser before any code runs, resolving `..`, `.`
 * and `%2e%2e`, so the route served and the `htu` compared are both the resolved path (a proof for
 * `/protected` then rightly passes at `/files/../protected`, which *is* `/protected` there).
 */
const ROWS = DPOP_ROWS.filter(
  (row) => row.app !== 'tls' && row.notOverFetch === undefined && !row.name.startsWith('target: two Host lines') && !DOT_SEGMENT.test(row.path),
);
/** miniflare's local entry server answers 500 to an absolute-form target before the worker runs. */
const rowsFor = (runtime: string) => (runtime === 'workerd' ? ROWS.filter((row) => row.absoluteForm !== true) : ROWS);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Every `*.localhost` name is 127.0.0.1. */
const loopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all === true) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

function send(url: string, method: string, path: string, request: DpopRequest): Promise<Answer> {
  const target = new URL(url);
  const lines: string[] = ['Host', target.host];
  for (const [name, value] of request.headers) lines.push(name, value);
  if (request.body !== undefined) lines.push('Content-Length', String(Buffer.byteLength(request.body)));
  return new Promise((resolve, reject) => {
    // The target is written as the row gives it (dot segments, absolute form): node:http sends `path` verbatim.
    const req = httpRequest({ host: target.hostname, port: target.port, path, method, headers: lines, timeout: 10_000, agent: false, lookup: loopback }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

function comparable(answer: Answer) {
  const refusal = answer.status >= 400;
  return {
    status: answer.status,
    'www-authenticate': answer.headers['www-authenticate'],
    'content-type': refusal ? answer.headers['content-type'] : undefined,
    'cache-control': refusal ? answer.headers['cache-control'] : undefined,
    'dpop-nonce': answer.headers['dpop-nonce'] !== undefined,
    body: refusal ? answer.body : (JSON.parse(answer.body) as unknown),
  };
}

let issuer: FakeIssuer;
let key: DpopKey;
/** The client certificates of the forwarded-certificate rows (sent in a proxy's header, not over TLS). */
let certificates: [TestCertificate, TestCertificate];
const verifiers: Verifier[] = [];
const express = new Map<string, RunningApp>();

beforeAll(async () => {
  issuer = await startFakeIssuer();
  key = createDpopKey();
  certificates = [createTestCertificateAuthority().issue({ commonName: 'orders-service' }), createClientCertificate('someone-else')];
  issuer.addKey(weakIssuerJwk());
  const base = { issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, realm: REALM };
  const mtls = (certificateHeader: string, certificateHeaderFormat: 'xfcc' | 'pem' | 'url-encoded-pem', more: Record<string, unknown> = {}) =>
    createVerifier({ ...base, mtls: { certificateHeader, certificateHeaderFormat, ...more } });
  const made = {
    default: createVerifier(base),
    required: createVerifier({ ...base, dpop: { mode: 'required', algorithms: ['ES256', 'EdDSA'] } }),
    nonce: createVerifier({ ...base, dpop: { nonce: { secret: NONCE_SECRET, lifetime: 300 } } }),
    xfcc: mtls('x-forwarded-client-cert', 'xfcc'),
    'xfcc-append': mtls('x-forwarded-client-cert', 'xfcc', { xfccAppendingProxies: 1 }),
    pem: mtls('x-ssl-client-cert', 'pem'),
    'url-pem': mtls('x-client-cert', 'url-encoded-pem'),
  };
  verifiers.push(...Object.values(made));
  const adapter = ADAPTERS.find((candidate) => candidate.name === 'express 5')!;
  for (const variant of VARIANTS) {
    for (const optional of [false, true]) express.set(`${variant}:${optional}`, await adapter.start({ verifier: made[variant], optional }));
  }
}, 30_000);

afterAll(async () => {
  for (const app of express.values()) await app.close();
  for (const verifier of verifiers) verifier.close();
  await issuer?.close();
});

/** The context a row builds its request in, for an app at `url`. */
function context(url: string): DpopContext {
  return {
    issuer,
    url,
    key,
    client: certificates[0],
    otherClient: certificates[1],
    nonce: async (token) => {
      const proof = createDpopProof({ key, htm: 'GET', htu: `${url}/protected`, accessToken: token });
      const answer = await send(url, 'GET', '/protected', { headers: [['Authorization', `DPoP ${token}`], ['DPoP', proof]] });
      return answer.headers['dpop-nonce'] as string;
    },
  };
}

async function answer(url: string, row: DpopRow): Promise<Answer> {
  const request = await row.build(context(url));
  const method = row.method ?? 'GET';
  const path = row.absoluteForm === true ? `${url}${row.path}` : row.path;
  if (request.replay === true) expect((await send(url, method, path, request)).status).toBe(200);
  const result = await send(url, method, path, request);
  if (request.token !== undefined && result.status >= 400) expect(result.body).not.toContain(request.token);
  return result;
}

for (const runtime of RUNTIMES) {
  const binary = requireBinary(runtime);
  for (const kind of ['web', 'hono'] as const) {
    describe.skipIf(binary === undefined)(`sender-constrained conformance: ${kind} on ${runtime}, answers identical to Express's`, () => {
      let host: RuntimeHost;

      beforeAll(async () => {
        host = await startRuntime(runtime, binary!, {
          serveEntry: join(HERE, 'fixtures', 'serve.mjs'),
          app: 'dpop-app.mjs',
          workerEntry: join(HERE, 'fixtures', 'worker-dpop.mjs'),
          config: { kind, issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, realm: REALM, nonceSecret: NONCE_SECRET },
        });
      }, 60_000);
      afterAll(async () => {
        await host?.close();
      });

      it('the rows that apply without a TLS socket are most of the table', () => {
        expect(ROWS.length).toBeGreaterThanOrEqual(25);
      });

      it.each(rowsFor(runtime))('$name', async (row) => {
        const port = new URL(host.url).port;
        const own = `http://${row.app}-${row.optional === true ? 'optional' : 'strict'}.localhost:${port}`;
        const [expected, actual] = await Promise.all([answer(express.get(`${row.app}:${row.optional === true}`)!.url, row), answer(own, row)]);
        expect(expected.status, expected.body).toBe(row.expect.status);
        expect(comparable(actual)).toEqual(comparable(expected));
      });
    });
  }
}
