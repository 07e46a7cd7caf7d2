/**
 * The two ways to protect an MCP server, side by side: the SDK's own `requireBearerAuth` backed by
 * `mcpTokenVerifier`, and `requireMcpAuth`. This file also loads the SDK's declaration of
 * `req.auth` on Express's Request, so the type-check of the tests proves the two do not clash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  createVerifier,
  getAccessToken,
  mcpTokenVerifier,
  requireMcpAuth,
  resourceMetadataHandler,
  toAuthInfo,
  type Verifier,
} from '../src/index.js';
import { MCP_HEADERS, TOOLS_CALL, handleMcp, listen, noStream, send, type Listening, type WhoAmI } from './helpers.js';

let issuer: FakeIssuer;
let down: FakeIssuer;

beforeAll(async () => {
  issuer = await startFakeIssuer({ clients: [{ clientId: 'agent', clientSecret: 'agent-secret', scopes: ['tools:call'] }] });
  down = await startFakeIssuer();
  down.setJwksMode('down');
  down.setMetadataMode('down');
});
afterAll(async () => {
  await issuer.close();
  await down.close();
});

describe('mcpTokenVerifier behind the SDK requireBearerAuth', () => {
  let http: Listening;
  let verifier: Verifier;
  let resource: string;

  beforeAll(async () => {
    http = await listen();
    resource = `${http.origin}/mcp`;
    verifier = createVerifier({
      issuer: [{ issuer: issuer.url }, { issuer: down.url, jwksUri: down.jwksUri }],
      resourceMetadata: { resource, authorizationServers: [issuer.url] },
    });
    const app = express();
    app.use(express.json());
    app.use(resourceMetadataHandler(verifier));
    app.use(
      '/mcp',
      requireBearerAuth({ verifier: mcpTokenVerifier(verifier), resourceMetadataUrl: verifier.resourceMetadata!.url, requiredScopes: ['tools:call'] }),
    );
    app.post('/mcp', (req, res, next) => {
      // The SDK's declaration: AuthInfo with expiresAt in seconds.
      const expiresAt: number | undefined = req.auth?.expiresAt;
      expect(typeof expiresAt).toBe('number');
      void handleMcp(req, res).catch(next);
    });
    app.get('/mcp', noStream);
    http.server.on('request', app);
  });
  afterAll(async () => {
    verifier.close();
    await http.close();
  });

  it('happy flow: the SDK client gets a token and calls the tool', async () => {
    const client = new Client({ name: 'e2e-client', version: '1.0.0' });
    const provider = new ClientCredentialsProvider({ clientId: 'agent', clientSecret: 'agent-secret', expectedIssuer: issuer.url });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
      const result = await client.callTool({ name: 'whoami', arguments: { greeting: 'hey' } });
      const answer = JSON.parse((result.content as { text: string }[])[0]!.text) as WhoAmI;
      expect(answer).toMatchObject({ greeting: 'hey', clientId: 'agent', expiresAtType: 'number', resource, aud: resource });
    } finally {
      await client.close();
    }
  });

  it('error flow: an expired token is the SDK 401 invalid_token, not a 500', async () => {
    const token = issuer.mint({ aud: resource, scope: 'tools:call' }, { lifetime: -60 });
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(answer.headers['www-authenticate']).toContain(`resource_metadata="${verifier.resourceMetadata!.url}"`);
  });

  it('error flow: a token for another audience is 401', async () => {
    const token = issuer.mint({ aud: 'https://other.example.com', scope: 'tools:call' });
    expect((await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL)).status).toBe(401);
  });

  it('error flow (an SDK limit, documented): keys that cannot be had are the SDK ServerError, 500 without Retry-After', async () => {
    const token = down.mint({ aud: resource, scope: 'tools:call' });
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(500);
    expect(answer.headers['retry-after']).toBeUndefined();
  });
});

describe('requireMcpAuth', () => {
  let http: Listening;
  let verifier: Verifier;
  let resource: string;

  beforeAll(async () => {
    http = await listen();
    resource = `${http.origin}/mcp`;
    verifier = createVerifier({ issuer: [{ issuer: issuer.url }, { issuer: down.url, jwksUri: down.jwksUri }], resourceMetadata: { resource } });
    const app = express();
    app.use(express.json());
    app.use(requireMcpAuth(verifier, { anyScope: ['tools:call', 'tools:admin'] }));
    app.post('/mcp', (req, res) => {
      const info: AuthInfo | undefined = req.auth;
      res.json({ info, subject: getAccessToken(req)?.subject });
    });
    http.server.on('request', app);
  });
  afterAll(async () => {
    verifier.close();
    await http.close();
  });

  it('error flow: keys that cannot be had are 503 with Retry-After and no challenge', async () => {
    const token = down.mint({ aud: resource, scope: 'tools:call' });
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(503);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(answer.headers['www-authenticate']).toBeUndefined();
  });

  it('happy flow: req.auth is the SDK AuthInfo, and getAccessToken gives the full token', async () => {
    const token = issuer.mint({ aud: resource, scope: 'tools:admin', client_id: 'svc', sub: 'svc-sub' });
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as { info: Record<string, unknown>; subject: string };
    expect(body.subject).toBe('svc-sub');
    expect(body.info).toMatchObject({ clientId: 'svc', scopes: ['tools:admin'], resource });
    expect(typeof body.info.expiresAt).toBe('number');
  });

  it('error flow: any-of scopes: a 403 names every accepted scope', async () => {
    const token = issuer.mint({ aud: resource, scope: 'tools:list' });
    const answer = await send(resource, 'POST', ['Authorization', `Bearer ${token}`, ...MCP_HEADERS], TOOLS_CALL);
    expect(answer.status).toBe(403);
    expect(answer.headers['www-authenticate']).toContain('scope="tools:call tools:admin"');
  });

  it('refuses a verifier without resourceMetadata, unknown options and bad scopes, naming them', () => {
    const plain = createVerifier({ issuer: issuer.url, audience: 'https://api.example.com' });
    expect(() => requireMcpAuth(plain)).toThrow(/"resourceMetadata"/);
    plain.close();
    expect(() => requireMcpAuth(verifier, { scope: ['a'] } as never)).toThrow(/"scope" is not a known option \(did you mean "scopes"\?\)/);
    expect(() => requireMcpAuth(verifier, { scopes: ['a b'] })).toThrow(/requireMcpAuth\.scopes/);
    expect(() => requireMcpAuth(verifier, { errors: 'ignore' as never })).toThrow(/"errors"/);
  });
});

describe('toAuthInfo', () => {
  it('maps expiresAt to seconds, clientId from azp when client_id is absent, and resource to a URL', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: ['urn:not-a-url-first', 'https://api.example.com'] });
    try {
      const auth = await verifier.verify(issuer.mint({ aud: ['urn:x', 'https://api.example.com'], client_id: undefined, azp: 'web-app', scope: 'a b' }));
      const info = toAuthInfo(auth);
      expect(info.clientId).toBe('web-app');
      expect(info.scopes).toEqual(['a', 'b']);
      expect(info.expiresAt).toBe(Math.floor(auth.expiresAt.getTime() / 1000));
      // urn:x parses as a URL too: the first audience that is one.
      expect(info.resource?.href).toBe('urn:x');
      expect(toAuthInfo(auth, 'https://mcp.example.com/mcp').resource?.href).toBe('https://mcp.example.com/mcp');
      expect((info.extra as { claims: { azp: string } }).claims.azp).toBe('web-app');
    } finally {
      verifier.close();
    }
  });
});
