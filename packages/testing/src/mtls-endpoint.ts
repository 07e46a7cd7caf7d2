/**
 * The fake issuer's TLS mode: a second listener on 127.0.0.1 serving only the token endpoint over HTTPS,
 * as RFC 8705 §5's `mtls_endpoint_aliases` describes. It asks for a client certificate and binds the
 * tokens it issues to it (`cnf["x5t#S256"]`). Self-signed client certificates are accepted, as in
 * RFC 8705 §2.2 (`self_signed_tls_client_auth`): the binding, not the chain, is what is tested.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createTestCertificateAuthority, type TestCertificateAuthority } from './certificates.js';
import { sendJson } from './http-io.js';

/**
 * The TLS side of a fake issuer started with `mtls`.
 *
 * @example
 * ```ts
 * const issuer = await startFakeIssuer({ mtls: true, clients });
 * const client = issuer.mtls!.certificateAuthority.issue({ commonName: 'orders-service' });
 * // POST issuer.mtls!.tokenEndpoint over https with { ca: issuer.mtls!.ca, key: client.key, cert: client.cert }
 * ```
 */
export interface FakeIssuerMtls {
  /** `https://127.0.0.1:PORT/…token`: tokens from here are bound to the client certificate. */
  readonly tokenEndpoint: string;
  /** PEM of the CA that signed the endpoint's server certificate: trust it as `ca`. */
  readonly ca: string;
  /** Issues client certificates (and the endpoint's own server certificate). */
  readonly certificateAuthority: TestCertificateAuthority;
}

export interface MtlsListener {
  readonly info: FakeIssuerMtls;
  close(): Promise<void>;
}

/** Starts the HTTPS token endpoint alias on 127.0.0.1. */
export async function listenMtls(
  path: string,
  certificateAuthority: TestCertificateAuthority | undefined,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<MtlsListener> {
  const ca = certificateAuthority ?? createTestCertificateAuthority('Portcullis Fake Issuer CA');
  const serverCert = ca.issue({ commonName: '127.0.0.1', subjectAltNames: ['127.0.0.1', 'localhost'] });
  const sockets = new Set<Socket>();
  const server: Server = createServer({ key: serverCert.key, cert: serverCert.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    if (new URL(req.url ?? '/', 'https://127.0.0.1').pathname !== path) {
      sendJson(req, res, 404, { error: 'not_found' });
      return;
    }
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(req, res, 500, { error: 'server_error' });
      else res.destroy();
    });
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    info: { tokenEndpoint: `https://127.0.0.1:${port}${path}`, ca: ca.cert, certificateAuthority: ca },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      })),
  };
}
