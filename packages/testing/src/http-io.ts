import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Writes a JSON answer with `Content-Length`; `HEAD` gets the headers only.
 *
 * @example
 * ```ts
 * sendJson(req, res, 400, { error: 'invalid_request' }, { 'Cache-Control': 'no-store' });
 * ```
 */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    // A caller's Content-Type (e.g. application/jwk-set+json) wins over the generic one.
    'Content-Type': 'application/json; charset=utf-8',
    ...headers,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/**
 * The result of {@link readBody}: the body, or `too-large` when it passed the limit.
 *
 * @example
 * ```ts
 * const result: BodyResult = await readBody(req, 16_384);
 * if (result.kind === 'ok') result.body.toString('utf8');
 * ```
 */
export type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' };

/** How much of an oversized body is drained (and thrown away) so the client can read the answer. */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * Reads a request body up to `limit` bytes. A larger body is drained (up to 1 MiB, then the socket is
 * destroyed) so that the client still sees the error answer instead of a broken pipe.
 *
 * @example
 * ```ts
 * const result = await readBody(req, 16 * 1024);
 * if (result.kind === 'too-large') sendJson(req, res, 413, { error: 'invalid_request' });
 * ```
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > DRAIN_LIMIT) {
      req.socket.destroy();
      reject(new Error('request body far over the limit'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) {
        req.socket.destroy();
        reject(new Error('request body far over the limit'));
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(size > limit ? { kind: 'too-large' } : { kind: 'ok', body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

/**
 * The media type of a `Content-Type` header, lower-cased, without parameters.
 *
 * @example
 * ```ts
 * mediaType('Application/X-WWW-Form-Urlencoded; charset=UTF-8'); // 'application/x-www-form-urlencoded'
 * ```
 */
export function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(';', 1)[0]!.trim().toLowerCase();
}
