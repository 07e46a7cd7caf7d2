/**
 * A conformance app on a real `node:http` (or `node:https`) server on 127.0.0.1, port 0.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AppTls, RunningApp } from './apps.js';

/** HTTPS that asks for (not requires) a client certificate: for certificate-bound tokens. */
export const httpsOptions = (tls: AppTls) => ({ ...tls, requestCert: true, rejectUnauthorized: false });

export async function serve(listener: RequestListener, tls?: AppTls): Promise<RunningApp> {
  const server: Server = tls === undefined ? createServer(listener) : createHttpsServer(httpsOptions(tls), listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
