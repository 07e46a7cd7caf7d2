import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { serveDocument } from './fault-modes.js';
import type { FaultSetting, ServeContext } from './fault-modes.js';
import { sendJson } from './http-io.js';
import type { IssuerUrls } from './metadata.js';
import type { IssuerStats } from './types.js';

/** Prefix of the paths the `redirect` mode points to. */
const REDIRECT_PREFIX = '/__redirected';

/**
 * What the routes of an {@link IssuerServer} answer with.
 *
 * @example
 * ```ts
 * const routes: IssuerRoutes = { jwks, metadata, handleToken, jwksMode: () => mode, metadataMode: () => mode };
 * ```
 */
export interface IssuerRoutes {
  jwks(): Record<string, unknown>;
  metadata(): Record<string, unknown>;
  jwksMode(): FaultSetting;
  metadataMode(): FaultSetting;
  handleToken(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleIntrospection(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleRevocation(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

type Route = 'jwks' | 'metadata' | 'token' | 'introspection' | 'revocation' | 'authorize';
/** Routes whose handlers take a POST and answer themselves. */
type PostRoute = 'token' | 'introspection' | 'revocation';

interface MutableStats {
  jwksRequests: number;
  metadataRequests: number;
  tokenRequests: number;
  introspectionRequests: number;
  introspectionPeakInFlight: number;
  revocationRequests: number;
}

/**
 * The HTTP side of the fake issuer: routing, fault modes, request counters, and a close that never
 * waits for a hanging or keep-alive connection.
 *
 * @example
 * ```ts
 * const server = await IssuerServer.listen(0, routes);
 * server.setUrls(issuerUrls(server.origin, ''));
 * await server.close();
 * ```
 */
export class IssuerServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #stats: MutableStats = { jwksRequests: 0, metadataRequests: 0, tokenRequests: 0, introspectionRequests: 0, introspectionPeakInFlight: 0, revocationRequests: 0 };
  #introspectionInFlight = 0;
  readonly #routes: IssuerRoutes;
  #paths = new Map<string, Route>();
  #closing: Promise<void> | undefined;

  private constructor(routes: IssuerRoutes) {
    this.#routes = routes;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /**
   * Starts listening on 127.0.0.1.
   *
   * @example
   * ```ts
   * const server = await IssuerServer.listen(0, routes);
   * ```
   */
  static listen(port: number, routes: IssuerRoutes): Promise<IssuerServer> {
    const instance = new IssuerServer(routes);
    return new Promise((resolve, reject) => {
      instance.#server.once('error', reject);
      instance.#server.listen(port, '127.0.0.1', () => {
        instance.#server.off('error', reject);
        resolve(instance);
      });
    });
  }

  /** `http://127.0.0.1:PORT`. */
  get origin(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the server is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Live counters. */
  get stats(): IssuerStats {
    return this.#stats;
  }

  resetStats(): void {
    this.#stats.jwksRequests = 0;
    this.#stats.metadataRequests = 0;
    this.#stats.tokenRequests = 0;
    this.#stats.introspectionRequests = 0;
    this.#stats.introspectionPeakInFlight = this.#introspectionInFlight;
    this.#stats.revocationRequests = 0;
  }

  /** Delays `callback` until `delayMs` passed, unless the server closes first. */
  schedule(callback: () => void, delayMs: number): void {
    this.#schedule(callback, delayMs);
  }

  /** Routes requests by the paths of these URLs. */
  setUrls(urls: IssuerUrls): void {
    const pathOf = (url: string): string => new URL(url).pathname;
    this.#paths = new Map<string, Route>([
      [pathOf(urls.jwksUri), 'jwks'],
      [pathOf(urls.metadataUrl), 'metadata'],
      [pathOf(urls.openidConfigurationUrl), 'metadata'],
      [pathOf(urls.tokenEndpoint), 'token'],
      [pathOf(urls.introspectionEndpoint), 'introspection'],
      [pathOf(urls.revocationEndpoint), 'revocation'],
      [pathOf(urls.authorizationEndpoint), 'authorize'],
    ]);
  }

  /** Stops listening, cancels slow answers and destroys every connection. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }

  #schedule(callback: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, delayMs);
    this.#timers.add(timer);
  }

  #handlePost(route: PostRoute, req: IncomingMessage, res: ServerResponse): void {
    let handler: Promise<void>;
    if (route === 'token') {
      this.#stats.tokenRequests += 1;
      handler = this.#routes.handleToken(req, res);
    } else if (route === 'introspection') {
      this.#stats.introspectionRequests += 1;
      this.#introspectionInFlight += 1;
      this.#stats.introspectionPeakInFlight = Math.max(this.#stats.introspectionPeakInFlight, this.#introspectionInFlight);
      res.once('close', () => {
        this.#introspectionInFlight -= 1;
      });
      handler = this.#routes.handleIntrospection(req, res);
    } else {
      this.#stats.revocationRequests += 1;
      handler = this.#routes.handleRevocation(req, res);
    }
    handler.catch(() => {
      // Unexpected failures must not crash the test process; the client sees a 500 or a dropped socket.
      if (!res.headersSent) sendJson(req, res, 500, { error: 'server_error' });
      else res.destroy();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const redirected = path.startsWith(`${REDIRECT_PREFIX}/`);
    const route = this.#paths.get(redirected ? path.slice(REDIRECT_PREFIX.length) : path);
    const postRoute = route === 'token' || route === 'introspection' || route === 'revocation';
    if (route === undefined || (redirected && (postRoute || route === 'authorize'))) {
      sendJson(req, res, 404, { error: 'not_found' });
      return;
    }
    if (postRoute) {
      this.#handlePost(route, req, res);
      return;
    }
    if (route === 'authorize') {
      // RFC 6749 §4.1.2.1: with no redirect URI it could trust, the server answers the error itself.
      sendJson(req, res, 400, {
        error: 'unsupported_response_type',
        error_description: 'this authorization server issues tokens only through the client_credentials grant at its token endpoint',
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(req, res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, HEAD' });
      return;
    }
    const isJwks = route === 'jwks';
    if (isJwks) this.#stats.jwksRequests += 1;
    else this.#stats.metadataRequests += 1;
    const context: ServeContext = {
      document: isJwks ? () => this.#routes.jwks() : () => this.#routes.metadata(),
      emptyDocument: isJwks ? { keys: [] } : {},
      redirectLocation: `${REDIRECT_PREFIX}${path}`,
      // Real issuers let clients cache their keys for a while.
      // RFC 7517 §8.5.1's media type for a JWK Set, as oidc-provider serves it.
      headers: isJwks ? { 'Cache-Control': 'public, max-age=300', 'Content-Type': 'application/jwk-set+json; charset=utf-8' } : {},
      schedule: (callback, delayMs) => this.#schedule(callback, delayMs),
    };
    // The redirect target always answers normally, or a client following it would loop.
    const setting = redirected ? { mode: 'up' as const, delayMs: 0 } : isJwks ? this.#routes.jwksMode() : this.#routes.metadataMode();
    serveDocument(req, res, setting, context);
  }
}
