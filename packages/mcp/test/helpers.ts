/**
 * An MCP server over Streamable HTTP with one tool (`whoami`), on 127.0.0.1, as an SDK user writes it.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request, Response } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod';

export interface Listening {
  server: Server;
  origin: string;
  close(): Promise<void>;
}

/** A server on a free port; the app is attached later, once its resource URL (with the port) is known. */
export async function listen(): Promise<Listening> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the tool answers: what the transport handed it as `extra.authInfo`. */
export interface WhoAmI {
  greeting: string;
  clientId: string | undefined;
  scopes: string[] | undefined;
  expiresAtType: string;
  expiresAt: number | undefined;
  resource: string | undefined;
  aud: unknown;
}

function mcpServer(): McpServer {
  const mcp = new McpServer({ name: 'portcullis-e2e', version: '1.0.0' });
  mcp.registerTool(
    'whoami',
    { description: 'Says who called', inputSchema: { greeting: z.string() } },
    ({ greeting }, extra) => {
      const info = extra.authInfo;
      const answer: WhoAmI = {
        greeting,
        clientId: info?.clientId,
        scopes: info?.scopes,
        expiresAtType: typeof info?.expiresAt,
        expiresAt: info?.expiresAt,
        resource: info?.resource?.href,
        aud: (info?.extra?.claims as Record<string, unknown> | undefined)?.aud,
      };
      return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
    },
  );
  return mcp;
}

/** The stateless Streamable HTTP endpoint (no sessionIdGenerator): one server and transport per request, as the SDK documents. */
export async function handleMcp(req: Request, res: Response): Promise<void> {
  const mcp = mcpServer();
  const transport = new StreamableHTTPServerTransport({});
  res.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  await mcp.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

/** Stateless servers have no SSE stream to offer on GET. */
export function noStream(_req: Request, res: Response): void {
  res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One raw request (node:http can repeat a header); bounded by 5 s. */
export function send(url: string, method: string, headers: string[], body?: string): Promise<Answer> {
  const target = new URL(url);
  const lines = ['Host', target.host, ...headers];
  if (body !== undefined) lines.push('Content-Length', String(Buffer.byteLength(body)));
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method, headers: lines, agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A JSON-RPC tools/call body, as a client posts it. */
export const TOOLS_CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: { greeting: 'hi' } } });
export const MCP_HEADERS = ['Content-Type', 'application/json', 'Accept', 'application/json, text/event-stream'];
