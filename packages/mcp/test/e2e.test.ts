/**
 * End to end: the SDK's own client, with its client-credentials provider, against an MCP server
 * protected by Portcullis, with the fake issuer as authorization server. Nothing is mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier, requireMcpAuth, type Verifier } from '../src/index.js';
import { MCP_HEADERS, TOOLS_CALL, handleMcp, listen, noStream, send, type Listening, type WhoAmI } from './helpers.js';

let issuer: FakeIssuer;
let http: Listening;
let verifier: Verifier;
let resource: string;
let metadataUrl: string;
/** Every request the MCP server saw, with the status it answered. */
const seen: string[] = [];

beforeAll(async () => {
  issuer = await startFakeIssuer({
    clients: [
      { clientId: 'agent', clientSecret: 'agent-secret', scopes: ['tools:call'] },
      { clientId: 'reader', clientSecret: 'reader-secret', scopes: ['tools:list'] },
    ],
  });
  http = await listen();
  resource = `${http.origin}/mcp`;
  metadataUrl = `${http.origin}/.well-known/oauth-protected-resource/mcp`;
  verifier = createVerifier({ issuer: issuer.url, resourceMetadata: { resource, scopesSupported: ['tools:call'], resourceName: 'e2e' } });
  const app = express();
  app.use((req, res, next) => {
    res.on('finish', () => seen.push(`${req.method} ${req.path} ${res.statusCode}`));
    next();
  });
  app.use(express.json());
  app.use(requireMcpAuth(verifier, { scopes: ['tools:call'] }));
  app.post('/mcp', (req, res, next) => void handleMcp(req, res).catch(next));
  app.get('/mcp', noStream);
  http.server.on('request', app);
});

afterAll(async () => {
  verifier.close();
  await http.close();
  await issuer.close();
});

async function tokenFor(clientId: string, secret: string, scope?: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
  if (scope !== undefined) body.set('scope', scope);
  const answer = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { access_token: string }).access_token;
}

describe('the SDK client against an MCP server protected by requireMcpAuth', () => {
  it('happy flow: 401 → resource_metadata → protected-resource metadata → AS metadata → token with resource → tools/call', async () => {
    seen.length = 0;
    const before = { ...issuer.stats };
    const provider = new ClientCredentialsProvider({ clientId: 'agent', clientSecret: 'agent-secret', expectedIssuer: issuer.url });
    const client = new Client({ name: 'e2e-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
    try {
      await client.connect(transport);
      const result = await client.callTool({ name: 'whoami', arguments: { greeting: 'hello' } });
      const content = result.content as { type: string; text: string }[];
      const answer = JSON.parse(content[0]!.text) as WhoAmI;
      expect(answer).toMatchObject({ greeting: 'hello', clientId: 'agent', scopes: ['tools:call'], expiresAtType: 'number', aud: resource });
      // Seconds since the epoch, as the SDK compares it, not milliseconds or a date string.
      expect(answer.expiresAt).toBeGreaterThan(Date.now() / 1000);
      expect(answer.expiresAt).toBeLessThan(Date.now() / 1000 + 3600);
      expect(answer.resource).toBe(resource);
    } finally {
      await client.close();
    }
    expect(seen[0]).toBe('POST /mcp 401');
    expect(seen[1]).toBe('GET /.well-known/oauth-protected-resource/mcp 200');
    expect(seen.slice(2)).toContain('POST /mcp 200');
    const after = { ...issuer.stats };
    expect(after.metadataRequests).toBeGreaterThan(before.metadataRequests);
    expect(after.tokenRequests).toBe(before.tokenRequests + 1);
  });

  it('the 401 names the metadata, and the metadata names the resource exactly and the issuer', async () => {
    const refused = await send(resource, 'POST', MCP_HEADERS, TOOLS_CALL);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(`Bearer resource_metadata="${metadataUrl}", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="${metadataUrl}"`);
    const metadata = await fetch(metadataUrl);
    expect(metadata.headers.get('access-control-allow-origin')).toBe('*');
    expect(await metadata.json()).toEqual({
      resource,
      authorization_servers: [issuer.url],
      scopes_supported: ['tools:call'],
      bearer_methods_supported: ['header'],
      resource_name: 'e2e',
    });
  });

  it('error flow: a token for another audience is 401 invalid_token, and the tool never runs', async () => {
    seen.length = 0;
    const token = issuer.mint({ aud: 'https://other.example.com/mcp', scope: 'tools:call', client_id: 'agent' });
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(new RegExp(`^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="${metadataUrl}"$`));
    expect(answer.body).not.toContain(token);
    expect(seen).toEqual(['POST /mcp 401']);
  });

  it('error flow: a token from the token endpoint without tools:call is 403 naming the scope', async () => {
    const token = await tokenFor('reader', 'reader-secret');
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(403);
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="tools:call", resource_metadata="${metadataUrl}"`,
    );
  });

  it('error flow: an expired token is 401 invalid_token, never 500', async () => {
    const token = issuer.mint({ aud: resource, scope: 'tools:call' }, { lifetime: -60 });
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_token' });
  });

  it('error flow: two Authorization headers are 400 invalid_request, even with a good token', async () => {
    const token = await tokenFor('agent', 'agent-secret');
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, 'Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
  });

  it('happy flow: a token from the token endpoint with resource, sent by hand, reaches the tool', async () => {
    const token = await tokenFor('agent', 'agent-secret');
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('\\"clientId\\":\\"agent\\"');
  });
});
