import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { BANK_CLIENT, BANK_TOKEN_LIFETIME, DEMO_CLIENT, instructions, startDemo, type Demo } from '../src/index.js';

let demo: Demo;
let token: string;

beforeAll(async () => {
  demo = await startDemo();
  const response = await fetch(demo.issuer.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CLIENT.clientId}:${DEMO_CLIENT.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=orders%3Aread',
  });
  expect(response.status).toBe(200);
  token = ((await response.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await demo.close();
});

describe.each(['express', 'fastify', 'koa'] as const)('the demo walk-through on %s', (framework) => {
  const url = (path: string) => `${demo.apps[framework].url}${path}`;

  it('200 on the public route without a token', async () => {
    expect((await fetch(url('/public'))).status).toBe(200);
  });

  it('401 with a bare Bearer challenge on a protected route without a token', async () => {
    const response = await fetch(url('/orders'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
  });

  it('200 with the client-credentials token, and the handler sees the client', async () => {
    const orders = await fetch(url('/orders'), { headers: { authorization: `Bearer ${token}` } });
    expect(orders.status).toBe(200);
    const me = await fetch(url('/me'), { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toEqual({ subject: 'demo-client', clientId: 'demo-client', scopes: ['orders:read'] });
  });

  it('403 naming orders:write when the client lacks it', async () => {
    const response = await fetch(url('/orders'), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="orders:write"');
    const body = await response.text();
    expect(body).not.toContain(token);
  });
});

describe('the banking API on opaque tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function bankToken(): Promise<{ access_token: string; expires_in: number; token_type: string }> {
    // As the bank documents it: client id and secret in the POST body (client_secret_post).
    const response = await fetch(demo.bank.issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${BANK_CLIENT.clientId}&client_secret=${BANK_CLIENT.clientSecret}`,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; expires_in: number; token_type: string };
  }

  it('an opaque token valid one hour gets the accounts, checked by introspection', async () => {
    const { access_token: bank, expires_in: expiresIn, token_type: type } = await bankToken();
    expect(bank).not.toContain('.');
    expect(expiresIn).toBe(BANK_TOKEN_LIFETIME);
    expect(type).toBe('Bearer');
    const response = await fetch(`${demo.bank.app.url}/accounts`, { headers: { authorization: `Bearer ${bank}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client: BANK_CLIENT.clientId, format: 'opaque' });
    expect(demo.bank.issuer.stats.introspectionRequests).toBeGreaterThanOrEqual(1);
  });

  it('401 invalid_token once the hour is over', async () => {
    const { access_token: bank } = await bankToken();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (BANK_TOKEN_LIFETIME + 10) * 1000);
    const response = await fetch(`${demo.bank.app.url}/accounts`, { headers: { authorization: `Bearer ${bank}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await response.text()).not.toContain(bank);
  });

  it('401 for a JWT of the other issuer: the bank API trusts only its own authorization server', async () => {
    const response = await fetch(`${demo.bank.app.url}/accounts`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
  });
});

describe('the demo MCP server', () => {
  it('401 naming its RFC 9728 metadata, which names the resource and the issuer', async () => {
    const response = await fetch(demo.mcp.resource, { method: 'POST' });
    expect(response.status).toBe(401);
    const metadataUrl = demo.mcp.verifier.resourceMetadata!.url;
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${metadataUrl}", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="${metadataUrl}"`,
    );
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: demo.mcp.resource, authorization_servers: [demo.issuer.url] });
  });

  it('the SDK client with the demo client credentials calls list_orders', async () => {
    const provider = new ClientCredentialsProvider({ ...DEMO_CLIENT, scope: 'orders:read', expectedIssuer: demo.issuer.url });
    const client = new Client({ name: 'demo-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(demo.mcp.resource), { authProvider: provider }));
      const result = await client.callTool({ name: 'list_orders', arguments: {} });
      const text = (result.content as { text: string }[])[0]!.text;
      expect(JSON.parse(text)).toMatchObject({ client: DEMO_CLIENT.clientId, orders: [{ id: 'ord_1' }] });
    } finally {
      await client.close();
    }
  });

  it('a token for the orders API (another audience) is refused by the MCP server', async () => {
    const response = await fetch(demo.mcp.resource, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe('the printed walk-through', () => {
  it('names the running issuer and APIs and the five steps', () => {
    const text = instructions(demo);
    expect(text).toContain(demo.issuer.tokenEndpoint);
    for (const app of Object.values(demo.apps)) expect(text).toContain(app.url);
    expect(text).toContain(`-u ${DEMO_CLIENT.clientId}:${DEMO_CLIENT.clientSecret}`);
    expect(text).toMatch(/curl -i http:\/\/127\.0\.0\.1:\d+\/orders\n/);
    expect(text).toContain('-X POST -H "Authorization: Bearer $TOKEN"');
  });

  it('pnpm demo starts, prints the walk-through, and stops cleanly on Ctrl-C', async () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const child = spawn(process.execPath, [main], { env: { ...process.env, PORTCULLIS_DEMO_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      child.stdout.on('data', () => {
        if (output.includes('Ctrl-C stops everything.')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    expect(ready).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(output).toContain('stopping');
  });
});
