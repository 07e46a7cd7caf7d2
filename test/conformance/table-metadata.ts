/**
 * RFC 9728 rows, run through every adapter like the main table, with a verifier that has
 * `resourceMetadata` (and no `audience`: tokens are bound to the resource): `resource_metadata` on the
 * bare 401, on invalid_token, on invalid_request and on 403, and the metadata document with its headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from './apps.js';
import { DPOP_ALGS, REALM, type Row } from './table.js';

/** The answer shape conformance.test.ts's `send` gives. */
export interface MetadataAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type Send = (url: string, row: Row, token: string | undefined) => Promise<MetadataAnswer>;

export const RESOURCE = 'https://api.example.com/orders';
export const METADATA_PATH = '/.well-known/oauth-protected-resource/orders';
const METADATA_URL = `https://api.example.com${METADATA_PATH}`;
const RM = `resource_metadata="${METADATA_URL}"`;

type MetadataRow = Omit<Row, 'method' | 'token'> & {
  method?: 'GET' | 'POST' | 'HEAD' | 'OPTIONS';
  token?: (issuer: FakeIssuer) => string;
  /** A refusal: the whole challenge, or a pattern for it. */
  challenge?: string | RegExp;
  /** An answer on the metadata path: headers that must be there with these values. */
  headers200?: Record<string, string>;
  document?: boolean;
};

const bearer = [['Authorization', 'Bearer $TOKEN']] as const;
const forResource = (scope = 'orders:read') => (issuer: FakeIssuer) => issuer.mint({ aud: RESOURCE, scope });

export const METADATA_ROWS: readonly MetadataRow[] = [
  {
    name: 'RFC 9728: the bare 401 carries resource_metadata in every offered scheme, still no error code',
    path: '/protected',
    expect: { status: 401 },
    challenge: `Bearer realm="${REALM}", ${RM}, DPoP realm="${REALM}", algs="${DPOP_ALGS}", ${RM}`,
  },
  {
    name: 'RFC 9728: 401 invalid_token (expired) carries resource_metadata',
    path: '/protected',
    headers: bearer,
    token: (issuer) => issuer.mint({ aud: RESOURCE }, { lifetime: -60 }),
    expect: { status: 401 },
    challenge: new RegExp(`^Bearer realm="${REALM}", error="invalid_token", error_description="[^"]+", ${RM.replace(/[./]/g, '\\$&')}$`),
  },
  {
    name: 'RFC 9728: without audience, a token for another audience is 401 invalid_token with resource_metadata',
    path: '/protected',
    headers: bearer,
    token: (issuer) => issuer.mint({ aud: 'https://api.example.com' }),
    expect: { status: 401 },
    challenge: new RegExp(`^Bearer realm="${REALM}", error="invalid_token", error_description="[^"]+", ${RM.replace(/[./]/g, '\\$&')}$`),
  },
  { name: 'RFC 9728: a token for the resource is accepted', path: '/protected', headers: bearer, token: forResource(), expect: { status: 200, auth: true } },
  {
    name: 'RFC 9728: 400 invalid_request carries resource_metadata',
    path: '/protected',
    headers: [['Authorization', 'Bearer']],
    expect: { status: 400 },
    challenge: new RegExp(`^Bearer realm="${REALM}", error="invalid_request", error_description="[^"]+", ${RM.replace(/[./]/g, '\\$&')}$`),
  },
  {
    name: 'RFC 9728: 403 names every required scope and carries resource_metadata',
    path: '/read-write',
    headers: bearer,
    token: forResource('orders:read'),
    expect: { status: 403 },
    challenge: `Bearer realm="${REALM}", error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:read orders:write", ${RM}`,
  },
  {
    name: 'RFC 9728: GET on the well-known path serves the document without a token, JSON, cacheable, any origin',
    path: METADATA_PATH,
    expect: { status: 200 },
    headers200: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' },
    document: true,
  },
  {
    name: 'RFC 9728: the document is served even with a garbage token and a query string',
    path: `${METADATA_PATH}?x=1`,
    headers: [['Authorization', 'Bearer garbage']],
    expect: { status: 200 },
    headers200: { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' },
    document: true,
  },
  {
    name: 'RFC 9728: HEAD on the well-known path: 200, the length, no body',
    method: 'HEAD',
    path: METADATA_PATH,
    expect: { status: 200 },
    headers200: { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' },
  },
  {
    name: 'RFC 9728: the CORS preflight of the well-known path: 204 allowing GET from any origin',
    method: 'OPTIONS',
    path: METADATA_PATH,
    headers: [['Origin', 'https://client.example'], ['Access-Control-Request-Method', 'GET'], ['Access-Control-Request-Headers', 'mcp-protocol-version']],
    expect: { status: 204 },
    headers200: { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-allow-headers': '*' },
  },
  {
    name: 'RFC 9728: POST on the well-known path: 405 with Allow',
    method: 'POST',
    path: METADATA_PATH,
    expect: { status: 405 },
    headers200: { allow: 'GET, HEAD, OPTIONS', 'access-control-allow-origin': '*' },
  },
];

/** The headers compared across adapters for answers on the metadata path. */
const COMPARED = ['content-type', 'cache-control', 'content-length', 'allow', 'www-authenticate', 'retry-after', 'access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age'];

/** Registers the RFC 9728 rows; `send` is the conformance suite's raw-HTTP client. */
export function registerMetadataConformance(send: Send): void {
  let issuer: FakeIssuer;
  let verifier: Verifier;
  const answers = new Map<string, Map<string, MetadataAnswer>>();

  beforeAll(async () => {
    issuer = await startFakeIssuer();
    verifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, realm: REALM, resourceMetadata: { resource: RESOURCE, scopesSupported: ['orders:read', 'orders:write'] } });
  });
  afterAll(async () => {
    verifier.close();
    await issuer.close();
  });

  describe.each(ADAPTERS)('RFC 9728 conformance: $name', (adapter) => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await adapter.start({ verifier, optional: false });
    });
    afterAll(async () => {
      await app.close();
    });

    it.each(METADATA_ROWS)('$name', async (row) => {
      const token = row.token?.(issuer);
      const { token: _recipe, method, ...request } = row;
      // send() passes the method through to node:http; Row types only the main table's two.
      const answer = await send(app.url, { ...request, method: (method ?? 'GET') as NonNullable<Row['method']> }, token);
      expect(answer.status, answer.body).toBe(row.expect.status);
      const challenge = answer.headers['www-authenticate'];
      if (row.challenge !== undefined) {
        if (typeof row.challenge === 'string') expect(challenge).toBe(row.challenge);
        else expect(challenge).toMatch(row.challenge);
      }
      if (row.expect.auth !== undefined) expect((JSON.parse(answer.body) as { auth: boolean }).auth).toBe(row.expect.auth);
      for (const [name, value] of Object.entries(row.headers200 ?? {})) expect(answer.headers[name], name).toBe(value);
      if (row.path.startsWith(METADATA_PATH)) expect(challenge).toBeUndefined();
      if (row.method === 'HEAD') {
        expect(answer.body).toBe('');
        expect(Number(answer.headers['content-length'])).toBe(JSON.stringify(verifier.resourceMetadata!.document).length);
      }
      if (row.document === true) {
        expect(JSON.parse(answer.body)).toEqual({
          resource: RESOURCE,
          authorization_servers: [issuer.url],
          scopes_supported: ['orders:read', 'orders:write'],
          bearer_methods_supported: ['header'],
        });
      }
      let byAdapter = answers.get(row.name);
      if (byAdapter === undefined) answers.set(row.name, (byAdapter = new Map<string, MetadataAnswer>()));
      byAdapter.set(adapter.name, answer);
    });
  });

  describe('RFC 9728: every adapter answers alike', () => {
    it('challenges and metadata answers are byte-identical across adapters', () => {
      expect(answers.size).toBe(METADATA_ROWS.length);
      for (const [name, byAdapter] of answers) {
        expect(byAdapter.size, name).toBe(ADAPTERS.length);
        const [first, ...rest] = [...byAdapter.values()];
        if (first!.status === 200 && !name.includes('well-known') && !name.includes('document')) continue;
        for (const other of rest) {
          expect(other.status, name).toBe(first!.status);
          for (const header of COMPARED) expect(other.headers[header], `${name}: ${header}`).toBe(first!.headers[header]);
          expect(other.body, name).toBe(first!.body);
        }
      }
    });
  });
}
