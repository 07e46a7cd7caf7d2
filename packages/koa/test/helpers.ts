import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa3 from 'koa';
import Koa2 from 'koa2';

/** Both supported majors; every HTTP spec runs against each. */
export const KOA_VERSIONS: ReadonlyArray<readonly [string, typeof Koa3]> = [
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
];

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Running {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, any free port. */
export async function listen(app: Koa3): Promise<Running> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * One request with node:http. `authorization` given as a list sends one header line per value (what
 * a client or proxy that duplicates the header does).
 */
export function send(
  url: string,
  options: { method?: string; authorization?: string | string[]; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false });
    if (options.authorization !== undefined) req.setHeader('Authorization', options.authorization);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.end();
  });
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}
