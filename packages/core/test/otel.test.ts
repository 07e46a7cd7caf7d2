// The OpenTelemetry module on its own: no-op without an SDK, then spans and metrics through the SDK's
// in-memory exporters, and the remote-call spans with the HTTP client attributes.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier } from '../src/index.js';
import { fetchJson, FetchError } from '../src/lib/fetch-json.js';
import { startFetchCall } from '../src/observability/fetch-span.js';
import { ATTR, METRIC, SCOPE_NAME, SPAN } from '../src/observability/otel-names.js';
import { VerifierTelemetry, currentInstruments, noteRefusal, traced, tracingRegistered } from '../src/observability/otel.js';
import { CORE_VERSION } from '../src/lib/user-agent.js';
import { registerOtelSdk, sumOf, type OtelSdk } from './helpers/otel-sdk.js';

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

describe('the telemetry option', () => {
  it('is checked at construction, by name', () => {
    const base = { issuer: 'https://as.example/', audience: 'api' };
    expect(() => createVerifier({ ...base, telemetry: { clientId: 'no' as unknown as boolean } })).toThrow(/option "telemetry.clientId" must be a boolean/);
    expect(() => createVerifier({ ...base, telemetry: { clientID: false } as never })).toThrow(/option "telemetry.clientID" is not a known option \(did you mean "telemetry.clientId"\?\)/);
    expect(() => createVerifier({ ...base, telemetry: [] as never })).toThrow(/option "telemetry" must be an object/);
    createVerifier({ ...base, telemetry: { clientId: false } }).close();
  });
});

describe('without an SDK registered', () => {
  it('begin() records nothing: no record, no instruments, no fetch call', () => {
    expect(currentInstruments()).toBeUndefined();
    expect(tracingRegistered()).toBe(false);
    expect(new VerifierTelemetry({ clientId: true }).begin()).toBeUndefined();
    expect(startFetchCall('jwks', 'GET', new URL(issuer.jwksUri))).toBeUndefined();
  });

  it('a fetch still works, unrecorded', async () => {
    await expect(fetchJson(issuer.jwksUri, { timeout: 2_000, maxBytes: 65_536, telemetry: 'jwks' })).resolves.toHaveProperty('keys');
  });
});

describe('with the SDK and in-memory exporters', () => {
  let sdk: OtelSdk;
  beforeAll(() => {
    sdk = registerOtelSdk();
    expect(tracingRegistered()).toBe(true);
  });
  afterAll(async () => {
    await sdk.shutdown();
  });

  it('an accepted authentication: one span, child of the active one, with the documented attributes', async () => {
    const telemetry = new VerifierTelemetry({ clientId: true });
    sdk.spanExporter.reset();
    await trace.getTracer('test').startActiveSpan('request', async (server) => {
      const record = telemetry.begin();
      expect(record).toBeDefined();
      record!.scheme = 'DPoP';
      record!.cacheHit = true;
      await new Promise((resolve) => setTimeout(resolve, 1));
      record!.accept({ issuer: 'https://as.example/', format: 'jwt', clientId: 'client-1' });
      // A second verdict on the same record changes nothing.
      record!.refuse({ reason: 'token_expired', status: 401, code: 'invalid_token' }, undefined);
      server.end();
    });
    const spans = sdk.spans().filter((span) => span.name === SPAN.authenticate);
    expect(spans).toHaveLength(1);
    const [span] = spans;
    const server = sdk.spans().find((s) => s.name === 'request' && s.spanContext().spanId === span!.parentSpanContext?.spanId);
    expect(server).toBeDefined();
    expect(span!.kind).toBe(SpanKind.INTERNAL);
    expect(span!.instrumentationScope).toMatchObject({ name: SCOPE_NAME, version: CORE_VERSION });
    expect(span!.attributes).toEqual({
      [ATTR.outcome]: 'accepted',
      [ATTR.scheme]: 'DPoP',
      [ATTR.issuer]: 'https://as.example/',
      [ATTR.tokenFormat]: 'jwt',
      [ATTR.clientId]: 'client-1',
      [ATTR.tokenCacheHit]: true,
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('clientId: false keeps the client id off the span', () => {
    sdk.spanExporter.reset();
    new VerifierTelemetry({ clientId: false }).begin()!.accept({ issuer: 'https://as.example/', format: 'opaque', clientId: 'client-1' });
    const [span] = sdk.spans();
    expect(span!.attributes[ATTR.tokenFormat]).toBe('opaque');
    expect(span!.attributes).not.toHaveProperty(ATTR.clientId);
  });

  it('a refusal carries reason and status; a 503 is an error with error.type', () => {
    sdk.spanExporter.reset();
    const telemetry = new VerifierTelemetry({ clientId: true });
    telemetry.begin()!.refuse({ reason: 'token_expired', status: 401, code: 'invalid_token' }, 'https://as.example/');
    telemetry.begin()!.refuse({ reason: 'jwks_unavailable', status: 503, code: 'keys_unavailable' }, undefined);
    const [refused, unavailable] = sdk.spans();
    expect(refused!.attributes).toMatchObject({ [ATTR.outcome]: 'refused', [ATTR.reason]: 'token_expired', [ATTR.statusCode]: 401, [ATTR.issuer]: 'https://as.example/' });
    expect(refused!.status.code).toBe(SpanStatusCode.UNSET);
    expect(unavailable!.attributes).toMatchObject({ [ATTR.outcome]: 'unavailable', [ATTR.statusCode]: 503, [ATTR.errorType]: 'keys_unavailable' });
    expect(unavailable!.attributes).not.toHaveProperty(ATTR.issuer);
    expect(unavailable!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('counts authentications by outcome, reason and issuer, and their duration in seconds', async () => {
    const before = await sdk.collect();
    const telemetry = new VerifierTelemetry({ clientId: true });
    telemetry.begin()!.accept({ issuer: 'https://a.example/', format: 'jwt' });
    telemetry.begin()!.refuse({ reason: 'token_expired', status: 401, code: 'invalid_token' }, 'https://a.example/');
    telemetry.begin()!.accept(undefined);
    const after = await sdk.collect();
    const delta = (name: string, match: Record<string, unknown>) => sumOf(after.get(name), match) - sumOf(before.get(name), match);
    expect(delta(METRIC.authentications, { [ATTR.outcome]: 'accepted', [ATTR.issuer]: 'https://a.example/' })).toBe(1);
    expect(delta(METRIC.authentications, { [ATTR.outcome]: 'refused', [ATTR.reason]: 'token_expired' })).toBe(1);
    expect(delta(METRIC.authentications, { [ATTR.outcome]: 'anonymous' })).toBe(1);
    expect(delta(METRIC.duration, {})).toBe(3);
    expect(after.get(METRIC.duration)!.descriptor.unit).toBe('s');
    expect(after.get(METRIC.authentications)!.descriptor.unit).toBe('{authentication}');
  });

  it('a JWKS fetch: a CLIENT span with the HTTP client attributes, the URL without its query, and a count', async () => {
    sdk.spanExporter.reset();
    const before = await sdk.collect();
    const url = new URL(issuer.jwksUri);
    url.search = '?secret=s3cr3t';
    await fetchJson(url, { timeout: 2_000, maxBytes: 65_536, telemetry: 'jwks' });
    const [span] = sdk.spans();
    expect(span!.name).toBe(SPAN.jwks);
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.attributes).toEqual({
      [ATTR.httpMethod]: 'GET',
      [ATTR.urlFull]: `http://${url.host}${url.pathname}`,
      [ATTR.serverAddress]: url.hostname,
      [ATTR.serverPort]: Number(url.port),
      [ATTR.httpStatusCode]: 200,
    });
    expect(JSON.stringify(span!.attributes)).not.toContain('s3cr3t');
    const after = await sdk.collect();
    expect(sumOf(after.get(METRIC.jwksFetches)) - sumOf(before.get(METRIC.jwksFetches))).toBe(1);
  });

  it('a failed fetch: error.type is the status, or the kind of failure; the span is an error', async () => {
    sdk.spanExporter.reset();
    const before = await sdk.collect();
    await expect(fetchJson(new URL('/nowhere', issuer.url), { timeout: 2_000, maxBytes: 65_536, telemetry: 'discovery' })).rejects.toBeInstanceOf(FetchError);
    issuer.setJwksMode('garbage');
    try {
      await expect(fetchJson(issuer.jwksUri, { timeout: 2_000, maxBytes: 65_536, telemetry: 'jwks' })).rejects.toBeInstanceOf(FetchError);
    } finally {
      issuer.setJwksMode('up');
    }
    const [notFound, garbage] = sdk.spans();
    expect(notFound!.name).toBe(SPAN.discovery);
    expect(notFound!.attributes).toMatchObject({ [ATTR.httpStatusCode]: 404, [ATTR.errorType]: '404' });
    expect(notFound!.status.code).toBe(SpanStatusCode.ERROR);
    expect(garbage!.attributes[ATTR.errorType]).toBe('invalid_json');
    const after = await sdk.collect();
    expect(sumOf(after.get(METRIC.discoveryFetches), { [ATTR.errorType]: '404' }) - sumOf(before.get(METRIC.discoveryFetches), { [ATTR.errorType]: '404' })).toBe(1);
    expect(sumOf(after.get(METRIC.jwksFetches), { [ATTR.errorType]: 'invalid_json' }) - sumOf(before.get(METRIC.jwksFetches), { [ATTR.errorType]: 'invalid_json' })).toBe(1);
  });
  it('traced(): the remote calls of the authentication are its children; the token cache hit is told by the count', async () => {
    sdk.spanExporter.reset();
    const telemetry = new VerifierTelemetry({ clientId: true });
    let hits = 0;
    const accepted = await traced(telemetry.begin()!, () => hits, () => 'Bearer', async () => {
      await fetchJson(issuer.jwksUri, { timeout: 2_000, maxBytes: 65_536, telemetry: 'jwks' });
      return { issuer: issuer.url, format: 'jwt' as const };
    });
    expect(accepted).toEqual({ issuer: issuer.url, format: 'jwt' });
    const cached = await traced(telemetry.begin()!, () => hits, () => 'Bearer', () => {
      hits += 1;
      return Promise.resolve({ issuer: issuer.url, format: 'jwt' as const });
    });
    expect(cached).toBeDefined();
    const [jwks, first, second] = sdk.spans();
    expect(jwks!.name).toBe(SPAN.jwks);
    expect(first!.name).toBe(SPAN.authenticate);
    expect(jwks!.parentSpanContext?.spanId).toBe(first!.spanContext().spanId);
    expect(first!.attributes[ATTR.tokenCacheHit]).toBe(false);
    expect(second!.attributes[ATTR.tokenCacheHit]).toBe(true);
  });

  it('traced(): a refusal ends the span with the issuer and scheme noted where it was recorded, and is rethrown', async () => {
    sdk.spanExporter.reset();
    const telemetry = new VerifierTelemetry({ clientId: true });
    const refusal = Object.assign(new Error('refused'), { reason: 'dpop_proof_invalid', status: 401, code: 'invalid_dpop_proof' });
    const run = () => {
      noteRefusal(refusal, 'https://as.example/', 'DPoP');
      return Promise.reject(refusal);
    };
    await expect(traced(telemetry.begin()!, () => 0, () => undefined, run)).rejects.toBe(refusal);
    await expect(traced(telemetry.begin()!, () => 0, () => undefined, () => Promise.reject(new Error('a bug')))).rejects.toThrow('a bug');
    const [refused, failed] = sdk.spans();
    expect(refused!.attributes).toMatchObject({ [ATTR.outcome]: 'refused', [ATTR.reason]: 'dpop_proof_invalid', [ATTR.scheme]: 'DPoP', [ATTR.issuer]: 'https://as.example/' });
    expect(failed!.attributes).toMatchObject({ [ATTR.outcome]: 'unavailable', [ATTR.statusCode]: 500 });
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
  });
});
