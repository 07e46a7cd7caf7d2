/**
 * The request-target rules of core hold behind requireMcpAuth too (issue 21): two Host lines are a 400
 * (RFC 9112 §3.2); a target with dot segments matches no DPoP proof (the URL checked must be the URL
 * served); an absolute-form target (RFC 9112 §3.2.2) takes the proof for exactly that URI.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import { createVerifier, requireMcpAuth, type Verifier } from '../src/index.js';
import { MCP_HEADERS, TOOLS_CALL, handleMcp, listen, type Answer, type Listening } from './helpers.js';

let issuer: FakeIssuer;
let http: Listening;
let verifier: Verifier;
let resource: string;
let key: DpopKey;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  http = await listen();
  resource = `${http.origin}/mcp`;
  key = createDpopKey();
  verifier = createVerifier({ issuer: issuer.url, resourceMetadata: { resource, scopesSupported: ['tools:call'] } });
  const app = express();
  app.use(express.json());
  app.use(requireMcpAuth(verifier, { scopes: ['tools:call'] }));
  app.post('/mcp', (req, res, next) => void handleMcp(req, res).catch(next));
  http.server.on('request', app);
});

afterAll(async () => {
  verifier.close();
  await http.close();
  await issuer.close();
});

/** POST `path` as the request target, byte for byte, with the given header lines. */
function post(path: string, headers: string[]): Promise<Answer> {
  const origin = new URL(http.origin);
  const lines = [...headers, ...MCP_HEADERS, 'Content-Length', String(Buffer.byteLength(TOOLS_CALL))];
  if (!headers.some((name, i) => i % 2 === 0 && name.toLowerCase() === 'host')) lines.unshift('Host', origin.host);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname: origin.hostname, port: origin.port, path, method: 'POST', headers: lines, agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(TOOLS_CALL);
  });
}

function dpopHeaders(htu: string): string[] {
  const token = issuer.mint({ scope: 'tools:call', aud: resource }, { dpopKey: key, lifetime: 600 });
  return ['Authorization', `DPoP ${token}`, 'DPoP', createDpopProof({ key, htm: 'POST', htu, accessToken: token })];
}

describe('requireMcpAuth: request targets', () => {
  it('happy flow: a proof for /mcp passes at /mcp', async () => {
    expect((await post('/mcp', dpopHeaders(resource))).status).toBe(200);
  });

  it('error flow: two Host lines are a 400 invalid_request', async () => {
    const answer = await post('/mcp', ['Host', new URL(http.origin).host, 'Host', 'evil.example', ...dpopHeaders(resource)]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
  });

  it.each(['/x/../mcp', '/x/%2e%2e/mcp', '/x/%2E%2e/mcp', '/x/.%2e/mcp'])('error flow: %s does not take a proof for /mcp', async (path) => {
    const answer = await post(path, dpopHeaders(resource));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('happy flow: an absolute-form target takes the proof for exactly that URI', async () => {
    expect((await post(resource, dpopHeaders(resource))).status).toBe(200);
  });
});
