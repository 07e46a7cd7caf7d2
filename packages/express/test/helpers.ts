/**
 * Test helpers: both Express majors, an app served on 127.0.0.1, and raw HTTP requests with node:http
 * (which can send repeated headers, unlike fetch).
 */
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import { createVerifier, type Verifier } from '@portcullis/core';
import type { FakeIssuer } from '@portcullis/testing';

export type ExpressModule = typeof express5;

/** Both supported majors, for `describe.each`. */
export const EXPRESS_VERSIONS: readonly { name: string; express: ExpressModule }[] = [
  { name: 'Express 5', express: express5 },
  { name: 'Express 4', express: express4 },
];

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface SendOptions {
  method?: string;
  path?: string;
  /** An object, or Node's raw `[name, value, name, value, …]` list to repeat a header. */
  headers?: Record<string, string> | string[];
}

/** One request over a fresh connection; bounded by a 5 s timeout. */
export function send(baseUrl: string, options: SendOptions = {}): Promise<Answer> {
  const url = new URL(options.path ?? '/', baseUrl);
  // A raw header list replaces Node's defaults, Host included, which Node's server requires.
  const headers = Array.isArray(options.headers) ? ['Host', url.host, ...options.headers] : (options.headers ?? {});
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers, agent: false, timeout: 5_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Servers and verifiers a test opened, closed by {@link Resources.closeAll} in `afterEach`. */
export class Resources {
  #servers: Server[] = [];
  #verifiers: Verifier<object>[] = [];

  /** Serves an app on 127.0.0.1 on a free port; resolves to its base URL. */
  async serve(app: ReturnType<ExpressModule>): Promise<string> {
    const server = app.listen(0, '127.0.0.1');
    this.#servers.push(server);
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Tracks a verifier (e.g. one a middleware created) so that it is closed after the test. */
  track<V extends Verifier<object>>(verifier: V): V {
    this.#verifiers.push(verifier);
    return verifier;
  }

  /** A verifier for the fake issuer, with its JWKS URI configured (no discovery). */
  verifier(issuer: FakeIssuer, options: { realm?: string } = {}): Verifier {
    return this.track(
      createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, ...options }),
    );
  }

  async closeAll(): Promise<void> {
    for (const verifier of this.#verifiers.splice(0)) verifier.close();
    await Promise.all(
      this.#servers.splice(0).map(async (server) => {
        server.closeAllConnections();
        server.close();
        await once(server, 'close');
      }),
    );
  }
}
