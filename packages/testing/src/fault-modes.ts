import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-io.js';
import type { FaultMode, FaultModeOptions } from './types.js';

/**
 * Every {@link FaultMode}.
 *
 * @example
 * ```ts
 * for (const mode of FAULT_MODES) issuer.setJwksMode(mode);
 * ```
 */
export const FAULT_MODES: readonly FaultMode[] = [
  'up',
  'down',
  'error',
  'hang',
  'slow',
  'garbage',
  'empty',
  'no-keys',
  'huge',
  'reset',
  'redirect',
];

/**
 * Body size in bytes of the `huge` mode: 10 MiB.
 *
 * @example
 * ```ts
 * issuer.setJwksMode('huge');
 * expect((await (await fetch(issuer.jwksUri)).arrayBuffer()).byteLength).toBe(HUGE_BODY_BYTES);
 * ```
 */
export const HUGE_BODY_BYTES = 10 * 1024 * 1024;

const DEFAULT_DELAY_MS = 1000;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/**
 * A fault mode with its options, as an endpoint keeps it.
 *
 * @example
 * ```ts
 * const setting: FaultSetting = faultSetting('slow', { delayMs: 50 }, 'setJwksMode');
 * ```
 */
export interface FaultSetting {
  readonly mode: FaultMode;
  readonly delayMs: number;
}

/**
 * Validates a mode switch once, naming the method in the `TypeError`.
 *
 * @example
 * ```ts
 * faultSetting('down', {}, 'setJwksMode'); // { mode: 'down', delayMs: 1000 }
 * ```
 */
export function faultSetting(mode: FaultMode, options: FaultModeOptions, method: string): FaultSetting {
  if (!(FAULT_MODES as readonly unknown[]).includes(mode)) {
    throw new TypeError(`${method}: unknown mode "${String(mode)}"; expected one of ${FAULT_MODES.join(', ')}`);
  }
  const delayMs = options.delayMs ?? DEFAULT_DELAY_MS;
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new TypeError(`${method}: options.delayMs must be a finite number >= 0`);
  }
  return { mode, delayMs };
}

/**
 * What {@link serveDocument} needs besides the request.
 *
 * @example
 * ```ts
 * const context: ServeContext = { document: () => keys.jwks(), emptyDocument: { keys: [] }, redirectLocation, schedule };
 * ```
 */
export interface ServeContext {
  /** The normal document, built at answer time. */
  document(): Record<string, unknown>;
  /** The document of the `empty` mode. */
  readonly emptyDocument: Record<string, unknown>;
  /** Where `redirect` points. */
  readonly redirectLocation: string;
  /** Extra headers of a normal answer. */
  readonly headers?: Record<string, string>;
  /** Delays the callback until `delayMs` passed, unless the issuer closes first. */
  schedule(callback: () => void, delayMs: number): void;
}

function sendHuge(req: IncomingMessage, res: ServerResponse, document: Record<string, unknown>): void {
  // A JSON document that is valid, so only a size limit can protect its reader.
  const head = Buffer.from(`${JSON.stringify(document).slice(0, -1)},"padding":"`, 'utf8');
  const tail = Buffer.from('"}', 'utf8');
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.write(head);
  let remaining = HUGE_BODY_BYTES - head.length - tail.length;
  const pump = (): void => {
    while (remaining > 0 && !res.destroyed) {
      const piece = remaining >= CHUNK.length ? CHUNK : CHUNK.subarray(0, remaining);
      remaining -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(tail);
  };
  pump();
}

/**
 * Answers a GET of a JSON document (JWKS or metadata) in the given fault mode.
 *
 * @example
 * ```ts
 * serveDocument(req, res, jwksSetting, { document: () => keys.jwks(), emptyDocument: { keys: [] }, ... });
 * ```
 */
export function serveDocument(req: IncomingMessage, res: ServerResponse, setting: FaultSetting, context: ServeContext): void {
  switch (setting.mode) {
    case 'up':
      sendJson(req, res, 200, context.document(), context.headers);
      return;
    case 'down':
      sendJson(req, res, 503, { error: 'temporarily_unavailable' }, { 'Retry-After': '1' });
      return;
    case 'error':
      sendJson(req, res, 500, { error: 'server_error' });
      return;
    case 'hang':
      // Left open on purpose; close() destroys the socket.
      return;
    case 'slow':
      context.schedule(() => sendJson(req, res, 200, context.document(), context.headers), setting.delayMs);
      return;
    case 'garbage':
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end('<html><body>this is not JSON {"keys":[</body></html>');
      return;
    case 'empty':
      sendJson(req, res, 200, context.emptyDocument);
      return;
    case 'no-keys':
      sendJson(req, res, 200, {});
      return;
    case 'huge':
      sendHuge(req, res, context.document());
      return;
    case 'reset':
      req.socket.resetAndDestroy();
      return;
    case 'redirect':
      res.writeHead(302, { Location: context.redirectLocation, 'Content-Length': 0 });
      res.end();
      return;
  }
}
