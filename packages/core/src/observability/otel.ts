/**
 * OpenTelemetry, through `@opentelemetry/api` only: a no-op until the application registers an SDK.
 * One span and one count per authentication; child spans and counts for the remote calls.
 *
 * Cost without an SDK: `begin()` starts a span on the API's no-op tracer (no attributes made), finds
 * it is not recording and that the meter is the no-op one, and returns `undefined`; the verifier then
 * does nothing more for this request. Nothing here ever sees a token, a proof, a secret or a key: the
 * callers hand over issuers, reasons, formats, statuses and URLs without their query.
 */
import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  context,
  createNoopMeter,
  metrics,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type Span,
  type SpanOptions,
  type Tracer,
  type UpDownCounter,
} from '@opentelemetry/api';
import { CORE_VERSION } from '../lib/user-agent.js';
import { ATTR, METRIC, SCOPE_NAME, SPAN, type AuthenticationOutcome } from './otel-names.js';

/** What the instruments are made of, for one meter. */
interface Instruments {
  readonly authentications: Counter;
  readonly duration: Histogram;
  readonly scopeRefusals: Counter;
  readonly discoveryFetches: Counter;
  readonly jwksFetches: Counter;
  readonly introspectionCalls: Counter;
  readonly introspectionActive: UpDownCounter;
  readonly cacheHits: Counter;
  readonly replayStoreFailures: Counter;
}

// Buckets for a step that is sub-millisecond from the cache and up to seconds over the network.
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function makeInstruments(meter: Meter): Instruments {
  return {
    authentications: meter.createCounter(METRIC.authentications, {
      description: 'Authentications by outcome, reason and issuer',
      unit: '{authentication}',
    }),
    duration: meter.createHistogram(METRIC.duration, {
      description: 'Time to judge a credential, from the request to the verdict',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    scopeRefusals: meter.createCounter(METRIC.scopeRefusals, { description: 'Scope refusals (403) by issuer', unit: '{refusal}' }),
    discoveryFetches: meter.createCounter(METRIC.discoveryFetches, {
      description: 'Authorization-server metadata fetches; failures carry error.type',
      unit: '{fetch}',
    }),
    jwksFetches: meter.createCounter(METRIC.jwksFetches, { description: 'JWKS fetches; failures carry error.type', unit: '{fetch}' }),
    introspectionCalls: meter.createCounter(METRIC.introspectionCalls, {
      description: 'Token introspection calls; failures carry error.type',
      unit: '{call}',
    }),
    introspectionActive: meter.createUpDownCounter(METRIC.introspectionActive, {
      description: 'Token introspection calls in flight',
      unit: '{call}',
    }),
    cacheHits: meter.createCounter(METRIC.cacheHits, { description: 'Verified-token and introspection cache hits', unit: '{hit}' }),
    replayStoreFailures: meter.createCounter(METRIC.replayStoreFailures, {
      description: 'Replay-store operations that failed (each a 503)',
      unit: '{failure}',
    }),
  };
}

// One set of instruments per meter provider: the global provider can be set (and, in tests, reset)
// after this module loaded, and the metrics API has no proxy that would follow it.
const byProvider = new WeakMap<object, Instruments | null>();

/**
 * The instruments of the meter provider registered now, or `undefined` when none is (the API's
 * no-op meter): callers then skip making attributes at all.
 */
export function currentInstruments(): Instruments | undefined {
  const provider = metrics.getMeterProvider();
  let instruments = byProvider.get(provider);
  if (instruments === undefined) {
    const meter = provider.getMeter(SCOPE_NAME, CORE_VERSION);
    instruments = meter === createNoopMeter() ? null : makeInstruments(meter);
    byProvider.set(provider, instruments);
  }
  return instruments ?? undefined;
}

// The API's no-op provider, as a proxy with no delegate hands it out (the API does not export it).
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/** Whether an SDK's tracer provider is registered (the global proxy has a delegate). */
export function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER);
}

// What a record holds when only metrics listen: ending it does nothing.
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The tracer: the API's proxy, so an SDK registered later is still used. */
export function portcullisTracer(): Tracer {
  return trace.getTracer(SCOPE_NAME, CORE_VERSION);
}

const AUTHENTICATE_OPTIONS: SpanOptions = { kind: SpanKind.INTERNAL };
const TOKEN_CACHE: Attributes = Object.freeze({ [ATTR.cacheName]: 'token' });
const INTROSPECTION_CACHE: Attributes = Object.freeze({ [ATTR.cacheName]: 'introspection' });

/** What is known of an accepted token (never the token itself). */
export interface AcceptedToken {
  readonly issuer: string;
  readonly format: 'jwt' | 'opaque';
  readonly clientId?: string | undefined;
}

/** What is known of a refusal: its reason, status and code (never its cause). */
export interface RefusalFacts {
  readonly reason: string;
  readonly status: number;
  readonly code: string;
}

/**
 * One authentication being recorded: its span (recording or not) and its start time. Made by
 * {@link VerifierTelemetry.begin} only when a tracer or a meter is listening.
 */
export class AuthenticationRecord {
  readonly span: Span;
  readonly #started: number;
  readonly #telemetry: VerifierTelemetry;
  /** Filled in by the verifier on the way: the scheme, the issuer, whether the token cache answered. */
  scheme: 'Bearer' | 'DPoP' | undefined;
  issuer: string | undefined;
  cacheHit = false;
  #done = false;

  constructor(telemetry: VerifierTelemetry, span: Span) {
    this.#telemetry = telemetry;
    this.span = span;
    this.#started = performance.now();
  }

  /** The verdict was a token (or, in optional mode, no credential at all). */
  accept(token: AcceptedToken | undefined): void {
    if (this.#done) return;
    this.#done = true;
    if (token !== undefined) this.issuer = token.issuer;
    this.#telemetry.finish(this, token === undefined ? 'anonymous' : 'accepted', token, undefined);
  }

  /** The verdict was a refusal (400, 401, 403) or a 503. */
  refuse(refusal: RefusalFacts, issuer: string | undefined): void {
    if (this.#done) return;
    this.#done = true;
    if (issuer !== undefined) this.issuer = issuer;
    this.#telemetry.finish(this, refusal.status >= 500 ? 'unavailable' : 'refused', undefined, refusal);
  }

  /** Seconds since {@link begin}. */
  elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }
}

/** Options of a verifier's telemetry. */
export interface TelemetryOptions {
  /** Record the token's `client_id` on the authentication span. Default `true`. */
  clientId: boolean;
}

/**
 * A verifier's link to OpenTelemetry. Whether an SDK is registered is looked at when the verifier is
 * made, so that a request costs one check when none is: register the SDK first (as `NodeSDK.start()`
 * at the top of the app does).
 */
export class VerifierTelemetry {
  readonly #tracer: Tracer;
  readonly #tracing: boolean;
  readonly #instruments: Instruments | undefined;
  readonly #clientId: boolean;

  constructor(options: TelemetryOptions) {
    this.#tracer = portcullisTracer();
    this.#tracing = tracingRegistered();
    this.#instruments = currentInstruments();
    this.#clientId = options.clientId;
  }

  /**
   * Starts recording one authentication, as a child of the active span; `undefined` when neither
   * the tracer records nor a meter listens, so that the request costs nothing more.
   */
  begin(): AuthenticationRecord | undefined {
    if (!this.#tracing) return this.#instruments === undefined ? undefined : new AuthenticationRecord(this, NOT_RECORDING);
    const span = this.#tracer.startSpan(SPAN.authenticate, AUTHENTICATE_OPTIONS);
    // A sampler may drop it: then only the metrics are kept.
    if (!span.isRecording() && this.#instruments === undefined) return undefined;
    return new AuthenticationRecord(this, span);
  }

  /** Ends a record: the span's attributes and status, the count and the duration. */
  finish(record: AuthenticationRecord, outcome: AuthenticationOutcome, token: AcceptedToken | undefined, refusal: RefusalFacts | undefined): void {
    const { span, issuer } = record;
    const instruments = this.#instruments;
    if (instruments !== undefined) {
      const counted: Attributes = { [ATTR.outcome]: outcome };
      if (refusal !== undefined) counted[ATTR.reason] = refusal.reason;
      if (issuer !== undefined) counted[ATTR.issuer] = issuer;
      instruments.authentications.add(1, counted);
      const timed: Attributes = { [ATTR.outcome]: outcome };
      if (issuer !== undefined) timed[ATTR.issuer] = issuer;
      instruments.duration.record(record.elapsed(), timed);
      if (record.cacheHit) instruments.cacheHits.add(1, TOKEN_CACHE);
    }
    if (!span.isRecording()) return;
    span.setAttribute(ATTR.outcome, outcome);
    span.setAttribute(ATTR.tokenCacheHit, record.cacheHit);
    if (record.scheme !== undefined) span.setAttribute(ATTR.scheme, record.scheme);
    if (issuer !== undefined) span.setAttribute(ATTR.issuer, issuer);
    if (token !== undefined) {
      span.setAttribute(ATTR.tokenFormat, token.format);
      if (this.#clientId && token.clientId !== undefined) span.setAttribute(ATTR.clientId, token.clientId);
    }
    if (refusal !== undefined) {
      span.setAttribute(ATTR.reason, refusal.reason);
      span.setAttribute(ATTR.statusCode, refusal.status);
      // A refusal is the operation doing its job; a 503 is it failing to.
      if (refusal.status >= 500) {
        span.setAttribute(ATTR.errorType, refusal.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: refusal.code });
      }
    }
    span.end();
  }

  /** A 403 from `checkScopes()`: a span of its own (the authentication span has ended) and a count. */
  scopeRefused(refusal: RefusalFacts, issuer: string | undefined): void {
    const instruments = this.#instruments;
    if (instruments !== undefined) instruments.scopeRefusals.add(1, issuer === undefined ? {} : { [ATTR.issuer]: issuer });
    if (!this.#tracing) return;
    const span = this.#tracer.startSpan(SPAN.authorize, AUTHENTICATE_OPTIONS);
    if (!span.isRecording()) return;
    span.setAttribute(ATTR.outcome, 'refused');
    span.setAttribute(ATTR.reason, refusal.reason);
    span.setAttribute(ATTR.statusCode, refusal.status);
    if (issuer !== undefined) span.setAttribute(ATTR.issuer, issuer);
    span.end();
  }

  /** A replay-store operation failed (the request is answered 503). */
  replayStoreFailed(): void {
    this.#instruments?.replayStoreFailures.add(1);
  }
}

/** Where a refusal was decided: noted by the one place refusals are recorded, read when a record ends. */
interface RefusalPlace {
  readonly issuer: string | undefined;
  readonly scheme: 'Bearer' | 'DPoP' | undefined;
}

const refusalPlaces = new WeakMap<object, RefusalPlace>();

/**
 * Notes the issuer and the scheme a refusal was decided under (called where refusals are recorded),
 * for the authentication span that ends with it. A weak map: the note goes with the error.
 */
export function noteRefusal(error: object, issuer: string | undefined, scheme: 'Bearer' | 'DPoP' | undefined): void {
  refusalPlaces.set(error, { issuer, scheme });
}

function isRefusal(error: unknown): error is RefusalFacts & object {
  const candidate = error as Partial<RefusalFacts> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.reason === 'string' && typeof candidate.status === 'number' && typeof candidate.code === 'string';
}

/**
 * Runs one authentication under its record: `run` (which must reach its first `await` synchronously
 * or not at all) inside the record's span, so that the discovery, JWKS and introspection spans become
 * its children; `cacheHits` is read before and after the synchronous part to tell a token-cache hit.
 * Adds one promise to the request, and only when a record was made.
 */
export function traced<T extends AcceptedToken>(
  record: AuthenticationRecord,
  cacheHits: () => number,
  schemeOf: () => 'Bearer' | 'DPoP' | undefined,
  run: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const hitsBefore = cacheHits();
  if (record.span.isRecording()) record.scheme = schemeOf();
  const result = record.span.isRecording() ? context.with(trace.setSpan(context.active(), record.span), run) : run();
  record.cacheHit = cacheHits() > hitsBefore;
  return result.then(
    (token) => {
      record.accept(token);
      return token;
    },
    (error: unknown) => {
      if (isRefusal(error)) {
        const place = refusalPlaces.get(error);
        record.scheme ??= place?.scheme;
        record.refuse(error, place?.issuer);
      } else {
        // Not a refusal (a bug): ends the span as an error all the same, never left open.
        record.refuse({ reason: 'internal_error', status: 500, code: 'internal_error' }, undefined);
      }
      throw error;
    },
  );
}

/** Counts an introspection cache hit (the introspector has no verifier of its own to ask). */
export function countIntrospectionCacheHit(): void {
  currentInstruments()?.cacheHits.add(1, INTROSPECTION_CACHE);
}
