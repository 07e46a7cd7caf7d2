/**
 * Test helpers: a Nest app on either platform, served on 127.0.0.1, and raw HTTP requests with
 * node:http (which can send repeated headers, unlike fetch).
 */
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export interface Platform {
  name: string;
  create(module: Type): Promise<INestApplication>;
}

// abortOnError: a failing bootstrap rejects instead of ending the test process.
const appOptions = { logger: false, abortOnError: false } as const;

/** Both supported platforms, for `describe.each`. */
export const PLATFORMS: readonly Platform[] = [
  { name: 'platform-express', create: (module) => NestFactory.create(module, appOptions) },
  { name: 'platform-fastify', create: (module) => NestFactory.create(module, new FastifyAdapter(), appOptions) },
];

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Creates the app for `module` on `platform` and listens on an ephemeral loopback port. */
export async function startApp(platform: Platform, module: Type, configure?: (app: INestApplication) => void): Promise<RunningApp> {
  const app = await platform.create(module);
  configure?.(app);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await app.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SendOptions {
  method?: string;
  path?: string;
  /** An object, or Node's raw `[name, value, name, value, …]` list to repeat a header. */
  headers?: Record<string, string> | string[];
  body?: string;
}

/** One request over a fresh connection; bounded by a 5 s timeout. */
export function send(baseUrl: string, options: SendOptions = {}): Promise<Answer> {
  const url = new URL(options.path ?? '/', baseUrl);
  const headers = Array.isArray(options.headers) ? ['Host', url.host, ...options.headers] : (options.headers ?? {});
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers, agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
