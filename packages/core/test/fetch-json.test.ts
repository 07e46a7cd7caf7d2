import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FetchError, fetchJson } from '../src/lib/fetch-json.js';

let server: Server | undefined;

async function serve(handler: (count: number, res: ServerResponse, req: IncomingMessage) => void): Promise<string> {
  let count = 0;
  server = createServer((req, res) => handler(++count, res, req));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('fetchJson retries a reset connection once', () => {
  it('happy flow: a connection reset on the first attempt is retried on a fresh connection', async () => {
    const url = await serve((count, res, req) => {
      if (count === 1) req.socket.destroy();
      else res.setHeader('content-type', 'application/json').end('{"keys":[]}');
    });
    await expect(fetchJson(url, { timeout: 2_000, maxBytes: 1_000 })).resolves.toEqual({ keys: [] });
  });

  it('error flow: two resets in a row are a network FetchError, and there is no third attempt', async () => {
    let attempts = 0;
    const url = await serve((_count, _res, req) => {
      attempts++;
      req.socket.destroy();
    });
    const error = await fetchJson(url, { timeout: 2_000, maxBytes: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).kind).toBe('network');
    expect(attempts).toBe(2);
  });

  it('error flow: an HTTP error status is not retried', async () => {
    let attempts = 0;
    const url = await serve((_count, res) => {
      attempts++;
      res.statusCode = 503;
      res.end();
    });
    const error = await fetchJson(url, { timeout: 2_000, maxBytes: 1_000 }).catch((e: unknown) => e);
    expect((error as FetchError).kind).toBe('status');
    expect(attempts).toBe(1);
  });
});
