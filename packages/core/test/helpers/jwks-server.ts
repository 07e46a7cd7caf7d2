/**
 * A small JWKS and metadata server on 127.0.0.1 for the cache and discovery tests: real HTTP, counted
 * hits, and switchable failure modes.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type JwksMode =
  | 'up'
  | 'down'
  | 'hang'
  | 'slow'
  | 'garbage'
  | 'huge'
  | 'reset'
  | 'redirect'
  | 'empty'
  | 'not_jwks';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface JwksServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `<url>/jwks` */
  readonly jwksUri: string;
  /** Requests received on a path (query excluded). */
  hits(path?: string): number;
  /** The keys served by `/jwks` in mode `up`. */
  keys: JsonWebKey[];
  setMode(mode: JwksMode, options?: { delayMs?: number }): void;
  /** Serve `path` with a custom handler (metadata documents, odd answers). */
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

/** Starts the server on an ephemeral loopback port. */
export async function startJwksServer(keys: JsonWebKey[] = []): Promise<JwksServer> {
  const counts = new Map<string, number>();
  const routes = new Map<string, Route>();
  let mode: JwksMode = 'up';
  let delayMs = 0;
  const timers = new Set<NodeJS.Timeout>();

  const serveJwks = (req: IncomingMessage, res: ServerResponse): void => {
    switch (mode) {
      case 'up':
        return sendJson(res, 200, { keys: server.keys });
      case 'down':
        return sendJson(res, 500, { error: 'down' });
      case 'hang':
        return; // never answers; close() destroys the socket
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          sendJson(res, 200, { keys: server.keys });
        }, delayMs);
        timers.add(timer);
        return;
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html>definitely not json SECRET-BODY-MARKER</html>');
        return;
      case 'huge': {
        // 10 MB streamed without Content-Length, so the cap must work while reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 10 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'redirect':
        res.writeHead(302, { location: '/jwks-elsewhere' });
        res.end();
        return;
      case 'empty':
        return sendJson(res, 200, { keys: [] });
      case 'not_jwks':
        return sendJson(res, 200, { keys: 'nope' });
    }
  };

  const httpServer = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const custom = routes.get(path);
    if (custom !== undefined) return custom(req, res);
    if (path === '/jwks') return serveJwks(req, res);
    if (path === '/jwks-elsewhere') return sendJson(res, 200, { keys: server.keys });
    sendJson(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const server: JwksServer = {
    url,
    jwksUri: `${url}/jwks`,
    keys,
    hits: (path = '/jwks') => counts.get(path) ?? 0,
    setMode(next, options) {
      mode = next;
      delayMs = options?.delayMs ?? 0;
    },
    route(path, handler) {
      routes.set(path, handler);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
  return server;
}

/** Answers with JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A fresh public EC P-256 JWK (fast to generate). */
export function ecJwk(kid: string | undefined, extra: Record<string, unknown> = {}): JsonWebKey {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { ...jwk, ...(kid === undefined ? {} : { kid }), ...extra };
}

/** A fresh RSA JWK; `privateToo` exports the private members as well. */
export function rsaJwk(kid: string, bits = 2048, privateToo = false): JsonWebKey {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = (privateToo ? pair.privateKey : pair.publicKey).export({ format: 'jwk' });
  return { ...jwk, kid };
}

/** A fresh Ed25519 JWK. */
export function ed25519Jwk(kid: string): JsonWebKey {
  return { ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid };
}

/** A controllable clock for `now` injection. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}
