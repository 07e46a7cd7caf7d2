/**
 * The conformance table (test/conformance/table.ts and table-opaque.ts: the part that applies without a
 * TLS socket) against `@portcullis/web` and `@portcullis/hono` apps running on Bun, Deno and workerd,
 * over real HTTP on 127.0.0.1, with every answer compared with the Express 5 app's for the same request:
 * status, WWW-Authenticate, Content-Type, Cache-Control, Retry-After presence and body. The apps import
 * the built packages (run `pnpm build` first).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from '../conformance/apps.js';
import { REALM, ROUTE_ANY_ROLE, ROUTE_CLAIMS, ROUTE_ROLES, ROWS as JWT_ROWS, type Issuers, type Row } from '../conformance/table.js';
import { INTROSPECTING_CLIENT, OPAQUE_ROWS } from '../conformance/table-opaque.js';
import { HERE, RUNTIMES, requireBinary, startRuntime, type RuntimeHost } from './harness.js';

const ROWS: readonly Row[] = [...JWT_ROWS, ...OPAQUE_ROWS];
const KINDS = ['web', 'hono'] as const;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The row's request with its raw header lines (two Authorization lines stay two), as the Node runner sends it. */
function send(url: string, row: Row, token: string | undefined): Promise<Answer> {
  const target = new URL(row.path, url);
  const lines: string[] = ['Host', target.host];
  for (const [name, value] of row.headers ?? []) lines.push(name, token === undefined ? value : value.replaceAll('$TOKEN', token));
  if (row.body !== undefined) lines.push('Content-Length', String(Buffer.byteLength(row.body)));
  return new Promise((resolve, reject) => {
    // A connection per request: a kept-alive socket the server has just closed would reset a POST.
    const req = request(target, { method: row.method ?? 'GET', headers: lines, timeout: 10_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(row.body);
  });
}

/**
 * What must be identical to Express's answer. A 2xx answer is the app's own (its content type is the
 * framework's): its status, challenge and JSON body are compared; a refusal is the adapter's, compared whole.
 */
function comparable(answer: Answer) {
  let body: unknown = answer.body;
  if (answer.status < 300) {
    try {
      body = JSON.parse(answer.body);
    } catch {
      // compared as text
    }
  }
  return {
    status: answer.status,
    'www-authenticate': answer.headers['www-authenticate'],
    'content-type': answer.status >= 400 ? answer.headers['content-type'] : undefined,
    'cache-control': answer.status >= 400 ? answer.headers['cache-control'] : undefined,
    'retry-after': answer.headers['retry-after'] !== undefined,
    body,
  };
}

let issuers: Issuers;
let reference: Verifier;
const express: { strict?: RunningApp; optional?: RunningApp } = {};

beforeAll(async () => {
  const good = await startFakeIssuer();
  const down = await startFakeIssuer();
  down.setJwksMode('down');
  down.setMetadataMode('down');
  const opaque = await startFakeIssuer({ clients: [{ ...INTROSPECTING_CLIENT, scopes: [] }] });
  const introspectionDown = await startFakeIssuer({ clients: [{ ...INTROSPECTING_CLIENT, scopes: [] }] });
  introspectionDown.setIntrospectionMode('down');
  issuers = { good, down, opaque, introspectionDown };
  const introspection = (issuer: FakeIssuer) => ({ ...INTROSPECTING_CLIENT, endpoint: issuer.introspectionEndpoint, cacheTtl: 0 });
  reference = createVerifier({
    issuer: [
      { issuer: good.url, jwksUri: good.jwksUri },
      { issuer: down.url, jwksUri: down.jwksUri },
      { issuer: opaque.url, introspection: introspection(opaque) },
      { issuer: introspectionDown.url, jwksUri: introspectionDown.jwksUri, introspect: 'always', introspection: introspection(introspectionDown) },
    ],
    audience: good.audience,
    realm: REALM,
  });
  const adapter = ADAPTERS.find((candidate) => candidate.name === 'express 5')!;
  express.strict = await adapter.start({ verifier: reference, optional: false });
  express.optional = await adapter.start({ verifier: reference, optional: true });
}, 30_000);

afterAll(async () => {
  await express.strict?.close();
  await express.optional?.close();
  reference?.close();
  for (const issuer of Object.values(issuers ?? {})) await (issuer as FakeIssuer).close();
});

const appConfig = (kind: string, optional: boolean) => ({
  kind,
  optional,
  audience: issuers.good.audience,
  realm: REALM,
  client: INTROSPECTING_CLIENT,
  issuers: Object.fromEntries(
    (Object.entries(issuers) as [string, FakeIssuer][]).map(([name, issuer]) => [name, { url: issuer.url, jwksUri: issuer.jwksUri, introspectionEndpoint: issuer.introspectionEndpoint }]),
  ),
});

describe('the runtime apps', () => {
  it("route the same role and claim requirements as test/conformance/table.ts (the fixture's own copy)", () => {
    const source = readFileSync(join(HERE, 'fixtures', 'conformance-app.mjs'), 'utf8');
    expect(source).toContain(`const ROUTE_ROLES = ${JSON.stringify(ROUTE_ROLES).replaceAll('"', "'").replaceAll(',', ', ')};`);
    expect(source).toContain(`const ROUTE_ANY_ROLE = ${JSON.stringify(ROUTE_ANY_ROLE).replaceAll('"', "'").replaceAll(',', ', ')};`);
    expect(source).toContain(`tenant: '${ROUTE_CLAIMS.tenant}',`);
    expect(source).toContain(`'realm_access.roles': { includes: '${ROUTE_CLAIMS['realm_access.roles'].includes}' },`);
  });
});

for (const runtime of RUNTIMES) {
  const binary = requireBinary(runtime);
  for (const kind of KINDS) {
    describe.skipIf(binary === undefined)(`conformance: ${kind} on ${runtime}, answers identical to Express's`, () => {
      const hosts: { strict?: RuntimeHost; optional?: RuntimeHost } = {};

      beforeAll(async () => {
        const start = (optional: boolean) =>
          startRuntime(runtime, binary!, {
            serveEntry: join(HERE, 'fixtures', 'serve.mjs'),
            app: 'conformance-app.mjs',
            workerEntry: join(HERE, 'fixtures', 'worker-conformance.mjs'),
            config: appConfig(kind, optional),
          });
        [hosts.strict, hosts.optional] = await Promise.all([start(false), start(true)]);
      }, 60_000);
      afterAll(async () => {
        await hosts.strict?.close();
        await hosts.optional?.close();
      });

      it.each(ROWS)('$name', async (row) => {
        const token = row.token?.(issuers);
        const optional = row.optional === true;
        const [expected, answer] = await Promise.all([
          send((optional ? express.optional : express.strict)!.url, row, token),
          send((optional ? hosts.optional : hosts.strict)!.url, row, token),
        ]);
        expect(expected.status, expected.body).toBe(row.expect.status);
        expect(comparable(answer)).toEqual(comparable(expected));
        if (token !== undefined && answer.status >= 400) expect(answer.body).not.toContain(token);
      });
    });
  }
}
