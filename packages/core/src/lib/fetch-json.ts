/**
 * Small, defensive HTTP requests for JWKS, authorization-server metadata and token introspection: no
 * redirects, a hard timeout, a byte cap, and errors that never carry the response body.
 */

import { startFetchCall } from '../observability/fetch-span.js';
import type { FetchKind } from '../observability/otel-names.js';
import { USER_AGENT } from './user-agent.js';

/** Why {@link fetchJson} failed. Stable: safe to log and count. */
export type FetchErrorKind =
  | 'invalid_url'
  | 'timeout'
  | 'aborted'
  | 'network'
  | 'status'
  | 'too_large'
  | 'invalid_json';

/**
 * An internal fetch failure. The message names the kind, the HTTP status when there is one and the URL
 * without its query, credentials or fragment; never any part of the response body.
 *
 * @example
 * ```ts
 * try {
 *   await fetchJson(url, { timeout: 5_000, maxBytes: 65_536 });
 * } catch (err) {
 *   if (err instanceof FetchError && err.kind === 'timeout') console.warn('slow issuer');
 * }
 * ```
 */
export class FetchError extends Error {
  readonly kind: FetchErrorKind;
  /** The HTTP status for `kind: 'status'`. */
  readonly status: number | undefined;
  /** The URL fetched, without query, credentials or fragment. */
  readonly url: string;

  constructor(kind: FetchErrorKind, url: string, detail: string, options?: { status?: number; cause?: unknown }) {
    super(`${detail} (${url})`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options?.status;
    this.url = url;
  }

  override get name(): string {
    return 'FetchError';
  }
}

/** Options of {@link fetchJson}. */
export interface FetchJsonOptions {
  /** Milliseconds before the request (headers and body) is aborted. */
  timeout: number;
  /** The largest body accepted, in bytes. */
  maxBytes: number;
  /** An outer signal, e.g. to abort when the owner closes. */
  signal?: AbortSignal | undefined;
  /** A `fetch` implementation with the global signature; defaults to the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** What the call is, for its OpenTelemetry span and counts; none when undefined. */
  telemetry?: FetchKind | undefined;
}

/** Options of {@link fetchBounded}: those of {@link fetchJson}, plus the request to send. */
export interface BoundedRequestOptions extends FetchJsonOptions {
  /** Default `'GET'`. */
  method?: 'GET' | 'POST' | undefined;
  /** Request headers; `accept` defaults to `application/json`. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** A request body, e.g. form-urlencoded parameters. */
  body?: string | undefined;
  /**
   * Which statuses have their body read (within `maxBytes`) and returned rather than thrown as a
   * `status` failure. Default: 2xx only.
   */
  readStatus?: ((status: number) => boolean) | undefined;
}

/** What {@link fetchBounded} returns: the status, the media type and the decoded body. */
export interface BoundedResponse {
  status: number;
  /** The `Content-Type` media type, lower-cased, without parameters; `''` when absent. */
  mediaType: string;
  /** The body as UTF-8 text (refused when it is not valid UTF-8). */
  text: string;
}

/**
 * Sends one request with the same defences as {@link fetchJson} (http(s) only, no redirects, a hard
 * timeout over headers and body, a byte cap) and returns the body as text. Statuses that `readStatus`
 * does not accept (by default anything but 2xx, 3xx included) are a `status` failure whose body is
 * never read.
 *
 * @throws {@link FetchError} on any failure.
 * @example
 * ```ts
 * const { status, text } = await fetchBounded(endpoint, {
 *   method: 'POST', body: 'token=...', timeout: 5_000, maxBytes: 65_536, readStatus: (s) => s === 200 || s === 400,
 * });
 * ```
 */
export async function fetchBounded(url: string | URL, options: BoundedRequestOptions): Promise<BoundedResponse> {
  const target = parseHttpUrl(url);
  return recorded(target, options, () => sendBounded(target, options));
}

/** Runs `send` inside the call's span and counts, when `options.telemetry` names the call. */
async function recorded<T extends { status: number }>(target: URL, options: BoundedRequestOptions, send: () => Promise<T>): Promise<T> {
  const call = options.telemetry === undefined ? undefined : startFetchCall(options.telemetry, options.method ?? 'GET', target);
  if (call === undefined) return send();
  try {
    const response = await call.run(send);
    call.answered(response.status);
    return response;
  } catch (error) {
    if (error instanceof FetchError) call.failed(error.kind === 'status' && error.status !== undefined ? String(error.status) : error.kind, error.status);
    else call.failed('_OTHER', undefined);
    throw error;
  }
}

async function sendBounded(target: URL, options: BoundedRequestOptions): Promise<BoundedResponse> {
  const shown = displayUrl(target);
  const timeoutSignal = AbortSignal.timeout(options.timeout);
  const signal = options.signal === undefined ? timeoutSignal : AbortSignal.any([options.signal, timeoutSignal]);
  const abortError = (cause?: unknown): FetchError =>
    timeoutSignal.aborted
      ? new FetchError('timeout', shown, `no complete answer within ${options.timeout} ms`, { cause })
      : new FetchError('aborted', shown, 'request aborted', { cause });

  if (signal.aborted) throw abortError();
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers = { accept: 'application/json', 'user-agent': USER_AGENT, ...options.headers };
  let response: Response | undefined;
  // Two attempts: a keep-alive socket the server closed while the event loop was busy fails at once
  // with a reset; a fresh connection then succeeds. Both attempts share the one timeout. (Every caller
  // only reads: a metadata or JWKS GET, an introspection POST; repeating one changes nothing.)
  for (let attempt = 1; response === undefined; attempt++) {
    try {
      // Raced against the signal so that an injected fetch that ignores it cannot hang us.
      response = await raceAbort(
        doFetch(target, {
          method: options.method ?? 'GET',
          headers,
          ...(options.body === undefined ? {} : { body: options.body }),
          redirect: 'manual',
          signal,
        }),
        signal,
      );
    } catch (err) {
      if (signal.aborted) throw abortError(err);
      if (attempt >= 2) throw new FetchError('network', shown, 'request failed', { cause: err });
    }
  }

  const readStatus = options.readStatus ?? ((status: number) => status >= 200 && status <= 299);
  if (!readStatus(response.status)) {
    await discardBody(response);
    throw new FetchError('status', shown, `unexpected HTTP status ${response.status}`, { status: response.status });
  }
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > options.maxBytes) {
    await discardBody(response);
    throw new FetchError('too_large', shown, `declared body exceeds ${options.maxBytes} bytes`);
  }

  const bytes = await readCapped(response, options.maxBytes, signal, shown, abortError);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FetchError('invalid_json', shown, 'body is not valid UTF-8');
  }
  const contentType = response.headers.get('content-type') ?? '';
  return { status: response.status, mediaType: contentType.split(';', 1)[0]!.trim().toLowerCase(), text };
}

/**
 * GETs `url` and parses the body as JSON. Only `http:` and `https:` URLs; redirects are not followed
 * (any non-2xx answer, 3xx included, is a failure); the request is aborted after `timeout` ms; a body
 * over `maxBytes` is refused (by `Content-Length` first, then while streaming).
 *
 * @throws {@link FetchError} on any failure.
 * @example
 * ```ts
 * const jwks = await fetchJson('https://auth.example.com/jwks', { timeout: 5_000, maxBytes: 524_288 });
 * ```
 */
export async function fetchJson(url: string | URL, options: FetchJsonOptions): Promise<unknown> {
  const target = parseHttpUrl(url);
  // Parsed inside the recorded call: a body that is not JSON is a failed fetch.
  const { json } = await recorded(target, options, async () => {
    const response = await sendBounded(target, options);
    return { status: response.status, json: parseJsonText(response.text, displayUrl(target)) };
  });
  return json;
}

/**
 * Parses JSON text; a failure is a `FetchError('invalid_json')` whose message never quotes the text.
 *
 * @example
 * ```ts
 * parseJsonText('{"active":true}', 'https://as.example.com/introspect');
 * ```
 */
export function parseJsonText(text: string, shownUrl: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the body; keep it out.
    throw new FetchError('invalid_json', shownUrl, 'body is not valid JSON');
  }
}

async function readCapped(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  shown: string,
  abortError: (cause?: unknown) => FetchError,
): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const onAbort = (): void => {
    reader.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const step = await reader.read().catch((err: unknown) => {
        throw signal.aborted ? abortError(err) : new FetchError('network', shown, 'body read failed', { cause: err });
      });
      if (signal.aborted) throw abortError();
      if (step.done) break;
      const chunk: unknown = step.value;
      if (!(chunk instanceof Uint8Array)) throw new FetchError('network', shown, 'body is not a byte stream');
      total += chunk.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new FetchError('too_large', shown, `body exceeds ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error('fetch rejected', { cause: err }));
      },
    );
  });
}

async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // nothing to do: the body is unwanted
  }
}

function parseHttpUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchError('invalid_url', '<invalid>', 'not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new FetchError('invalid_url', parsed.protocol, 'only http: and https: URLs are fetched');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new FetchError('invalid_url', displayUrl(parsed), 'URLs with credentials are not fetched');
  }
  return parsed;
}

/**
 * A URL fit for messages: no credentials, query or fragment.
 *
 * @example
 * ```ts
 * displayUrl(new URL('https://u:p@h.example/jwks?x=1')); // 'https://h.example/jwks'
 * ```
 */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Parses an http(s) URL option and returns its normalized form, or throws a `TypeError` naming it.
 *
 * @example
 * ```ts
 * normalizeHttpUri('https://H.example/jwks', 'jwksUri'); // 'https://h.example/jwks'
 * ```
 */
export function normalizeHttpUri(uri: string, option: string): string {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new TypeError(`${option} must be an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`${option} must be an absolute http(s) URL`);
  }
  return parsed.href;
}

/**
 * Whether a URL's hostname is the loopback interface (127.0.0.0/8, ::1 or `localhost`), where plain
 * http cannot be intercepted off the machine.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL('http://127.0.0.1:8080/').hostname); // true
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
