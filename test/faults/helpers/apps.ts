/**
 * One small app per framework, each with the same two routes, so that one scenario table runs against
 * every adapter over real HTTP on 127.0.0.1:
 *
 * - `GET /protected`: any valid token; answers `{ sub }`.
 * - `GET /scoped`: a valid token with the `read` scope.
 *
 * Every app is given an existing verifier (so the test owns its clock, events and stats) and must
 * answer an unexpected error with a 500, so that a leak past the adapter is visible as such.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { describeRequest, errorResponse, isAuthError, type Verifier } from '@portcullis/core';
import { requireAuth as expressRequireAuth, requireScopes as expressRequireScopes } from '@portcullis/express';

export interface RunningApp {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

export interface AdapterUnderTest {
  readonly name: string;
  start(verifier: Verifier): Promise<RunningApp>;
}

/** Listens on an ephemeral loopback port; `close` also drops keep-alive sockets. */
export async function listen(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The reference: core alone behind `node:http`, the way DESIGN.md says an adapter is built. Runs
 * while the framework adapters are written, and keeps the table honest about what is core's doing.
 */
export const nodeHttp: AdapterUnderTest = {
  name: 'node:http (core only)',
  start: (verifier) =>
    listen(
      createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path !== '/protected' && path !== '/scoped') return sendJson(res, 404, { error: 'not_found' });
        verifier
          .authenticate(describeRequest(req))
          .then((auth) => {
            if (path === '/scoped') verifier.checkScopes(auth!, { allOf: ['read'] });
            sendJson(res, 200, { sub: auth!.subject });
          })
          .catch((error: unknown) => {
            if (!isAuthError(error)) return sendJson(res, 500, { error: 'internal' });
            const { status, headers, body } = errorResponse(error);
            sendJson(res, status, body, headers);
          });
      }),
    ),
};

/** Express 5 with `@portcullis/express`. */
export const expressAdapter: AdapterUnderTest = {
  name: 'Express 5',
  start: (verifier) => {
    const app = express();
    const auth = expressRequireAuth(verifier);
    app.get('/protected', auth, (req, res) => {
      res.json({ sub: req.auth?.subject });
    });
    app.get('/scoped', auth, expressRequireScopes('read'), (req, res) => {
      res.json({ sub: req.auth?.subject });
    });
    // Anything that reaches here escaped the adapter: make it a visible 500.
    app.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: 'internal' });
    });
    return listen(createServer(app));
  },
};

/** Every adapter the fault table and the adapter fuzzing run against. */
export const ADAPTERS: readonly AdapterUnderTest[] = [nodeHttp, expressAdapter];
