import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from './apps.js';
import { REALM, ROWS as JWT_ROWS, type Issuers, type Row } from './table.js';
import { registerMetadataConformance } from './table-metadata.js';
import { INTROSPECTING_CLIENT, OPAQUE_ROWS } from './table-opaque.js';
import { expectIdenticalRefusals, type Answer, type AnswersByRow } from './identical.js';

const ROWS: readonly Row[] = [...JWT_ROWS, ...OPAQUE_ROWS];


function send(url: string, row: Row, token: string | undefined): Promise<Answer> {
  const target = new URL(row.path, url);
  const lines: string[] = ['Host', target.host];
  for (const [name, value] of row.headers ?? []) lines.push(name, token === undefined ? value : value.replaceAll('$TOKEN', token));
  if (row.body !== undefined) lines.push('Content-Length', String(Buffer.byteLength(row.body)));
  return new Promise((resolve, reject) => {
    const req = request(target, { method: row.method ?? 'GET', headers: lines, timeout: 10_000 }, (res) => {
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

/** Parses `Bearer a="b", c="d"` into its parameters (quoted-string values unescaped). */
function challengeParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of value.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) params[match[1]!] = match[2]!.replace(/\\(.)/g, '$1');
  return params;
}

let issuers: Issuers;
let verifier: Verifier;
/** Answers recorded per row, per adapter: compared across adapters at the end. */
const answers: AnswersByRow = new Map();

beforeAll(async () => {
  const good = await startFakeIssuer();
  const down = await startFakeIssuer();
  down.setJwksMode('down');
  down.setMetadataMode('down');
  const opaque = await startFakeIssuer({ clients: [{ ...INTROSPECTING_CLIENT, scopes: [] }] });
  const introspectionDown = await startFakeIssuer({ clients: [{ ...INTROSPECTING_CLIENT, scopes: [] }] });
  introspectionDown.setIntrospectionMode('down');
  issuers = { good, down, opaque, introspectionDown };
  const introspection = (issuer: typeof good) => ({ ...INTROSPECTING_CLIENT, endpoint: issuer.introspectionEndpoint, cacheTtl: 0 });
  verifier = createVerifier({
    issuer: [
      { issuer: good.url, jwksUri: good.jwksUri },
      { issuer: down.url, jwksUri: down.jwksUri },
      { issuer: opaque.url, introspection: introspection(opaque) },
      { issuer: introspectionDown.url, jwksUri: introspectionDown.jwksUri, introspect: 'always', introspection: introspection(introspectionDown) },
    ],
    audience: good.audience,
    realm: REALM,
  });
});

afterAll(async () => {
  verifier.close();
  await issuers.good.close();
  await issuers.down.close();
  await issuers.opaque.close();
  await issuers.introspectionDown.close();
});

describe.each(ADAPTERS)('conformance: $name', (adapter) => {
  let strict: RunningApp;
  let optional: RunningApp;

  beforeAll(async () => {
    strict = await adapter.start({ verifier, optional: false });
    optional = await adapter.start({ verifier, optional: true });
  });
  afterAll(async () => {
    await strict.close();
    await optional.close();
  });

  it.each(ROWS)('$name', async (row) => {
    const token = row.token?.(issuers);
    const answer = await send(row.optional === true ? optional.url : strict.url, row, token);
    const expected = row.expect;
    expect(answer.status, answer.body).toBe(expected.status);
    const challenge = answer.headers['www-authenticate'];

    if (expected.status >= 400) {
      if (token !== undefined) expect(answer.body).not.toContain(token);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
      expect(typeof body.error_description).toBe('string');
    }
    if (expected.status === 503) {
      expect(challenge).toBeUndefined();
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } else if (expected.error === null) {
      expect(challenge).toBe(expected.challenge ?? `Bearer realm="${REALM}"`);
    } else if (expected.error !== undefined) {
      expect(typeof challenge).toBe('string');
      expect((challenge as string).startsWith(`Bearer realm="${REALM}", error="${expected.error}"`), challenge as string).toBe(true);
      const params = challengeParams(challenge as string);
      expect(params.error).toBe(expected.error);
      expect((JSON.parse(answer.body) as { error: string }).error).toBe(expected.error);
      if (expected.scope !== undefined) expect(params.scope).toBe(expected.scope);
      else expect(params.scope).toBeUndefined();
      if (expected.description !== undefined) {
        expect(params.error_description).toBe(expected.description);
        expect((JSON.parse(answer.body) as { error_description: string }).error_description).toBe(expected.description);
      }
    }
    if (expected.auth !== undefined) expect((JSON.parse(answer.body) as { auth: boolean }).auth).toBe(expected.auth);

    let byAdapter = answers.get(row.name);
    if (byAdapter === undefined) answers.set(row.name, (byAdapter = new Map<string, Answer>()));
    byAdapter.set(adapter.name, answer);
  });
});

describe('every adapter answers alike', () => {
  it('the table has at least 60 rows and covers each status', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
    for (const status of [200, 400, 401, 403, 503]) expect(ROWS.some((row) => row.expect.status === status), String(status)).toBe(true);
  });

  it('refusals are byte-identical across adapters: status, challenge, Retry-After presence, content type and body', () => {
    expectIdenticalRefusals(answers, ROWS.length, ADAPTERS.length, ['retry-after']);
  });
});

registerMetadataConformance(send);
