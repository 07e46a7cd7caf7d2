/**
 * The span and the counts of one remote call (discovery, a JWKS, an introspection), with the HTTP
 * client semantic-convention attributes. The URL is recorded without credentials, query or fragment;
 * nothing of the request body (an introspected token, a client secret) or of the answer is.
 */
import { SpanKind, SpanStatusCode, context, trace, type Attributes } from '@opentelemetry/api';
import { ATTR, SPAN, type FetchKind } from './otel-names.js';
import { currentInstruments, portcullisTracer } from './otel.js';

/** One remote call being recorded; made by {@link startFetchCall}. */
export interface FetchCall {
  /** Runs the call with its span active, so that an HTTP client instrumentation nests under it. */
  run<T>(send: () => Promise<T>): Promise<T>;
  /** The call got an answer it reads (2xx, or a status the caller accepts). */
  answered(status: number): void;
  /** The call failed: `errorType` is the HTTP status for an unwanted one, else a fixed kind. */
  failed(errorType: string, status: number | undefined): void;
}

function defaultPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * Starts recording a remote call to `url` (already checked to be http(s)), or returns `undefined`
 * when neither a tracer records nor a meter listens.
 */
export function startFetchCall(kind: FetchKind, method: string, url: URL): FetchCall | undefined {
  const instruments = currentInstruments();
  const span = portcullisTracer().startSpan(SPAN[kind], { kind: SpanKind.CLIENT });
  const recording = span.isRecording();
  if (!recording && instruments === undefined) return undefined;
  const server = url.hostname;
  if (recording) {
    span.setAttribute(ATTR.httpMethod, method);
    span.setAttribute(ATTR.urlFull, `${url.protocol}//${url.host}${url.pathname}`);
    span.setAttribute(ATTR.serverAddress, server);
    span.setAttribute(ATTR.serverPort, defaultPort(url));
  }
  const counter =
    instruments === undefined
      ? undefined
      : kind === 'jwks'
        ? instruments.jwksFetches
        : kind === 'discovery'
          ? instruments.discoveryFetches
          : instruments.introspectionCalls;
  const active = kind === 'introspection' ? instruments?.introspectionActive : undefined;
  const where: Attributes = { [ATTR.serverAddress]: server };
  active?.add(1, where);
  let ended = false;
  const end = (status: number | undefined, errorType: string | undefined): void => {
    if (ended) return;
    ended = true;
    active?.add(-1, where);
    counter?.add(1, errorType === undefined ? where : { ...where, [ATTR.errorType]: errorType });
    if (!recording) return;
    if (status !== undefined) span.setAttribute(ATTR.httpStatusCode, status);
    if (errorType !== undefined) {
      span.setAttribute(ATTR.errorType, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    }
    span.end();
  };
  return {
    run: (send) => (recording ? context.with(trace.setSpan(context.active(), span), send) : send()),
    answered: (status) => end(status, undefined),
    failed: (errorType, status) => end(status, errorType),
  };
}
