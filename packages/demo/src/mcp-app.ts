/**
 * The orders API as an MCP server (Streamable HTTP, one tool), protected by `@portcullis/mcp`. Its
 * resource identifier is its own endpoint URL, so its verifier is its own (the audience differs).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createVerifier, requireMcpAuth, type McpRequest, type Verifier } from '@portcullis/mcp';
import type { RunningApp } from './apps.js';

export interface RunningMcpApp extends RunningApp {
  /** The MCP endpoint, which is also the resource identifier tokens must be issued for. */
  readonly resource: string;
  readonly verifier: Verifier;
}

const ORDERS = [{ id: 'ord_1', item: 'portcullis', quantity: 1 }];

async function handleMcp(req: McpRequest, res: ServerResponse): Promise<void> {
  const server = new McpServer({ name: 'portcullis-demo-orders', version: '1.0.0' });
  server.registerTool('list_orders', { description: 'Lists the orders the caller may read' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify({ client: extra.authInfo?.clientId, orders: ORDERS }) }],
  }));
  // Stateless: no session id generator, one server and transport per request.
  const transport = new StreamableHTTPServerTransport({});
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/** Starts the MCP server on 127.0.0.1 (a plain `node:http` server: `requireMcpAuth` needs no framework). */
export async function startMcpApp(issuerUrl: string, port = 0): Promise<RunningMcpApp> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = `${origin}/mcp`;
  const verifier = createVerifier({ issuer: issuerUrl, resourceMetadata: { resource, scopesSupported: ['orders:read'], resourceName: 'Portcullis demo orders (MCP)' } });
  const auth = requireMcpAuth(verifier, { scopes: ['orders:read'] });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    auth(req, res, (error) => {
      if (error !== undefined) return fail(res, 500, 'internal error');
      if (new URL(req.url ?? '/', origin).pathname !== '/mcp') return fail(res, 404, 'not found');
      if (req.method !== 'POST') return fail(res, 405, 'method not allowed');
      handleMcp(req, res).catch(() => {
        if (!res.headersSent) fail(res, 500, 'internal error');
      });
    });
  });
  return {
    url: origin,
    resource,
    verifier,
    close: () =>
      new Promise<void>((resolve) => {
        verifier.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
