/**
 * OpenTelemetry through every adapter, over real HTTP: the OpenTelemetry SDK with in-memory exporters
 * and @opentelemetry/instrumentation-http (which makes each request's server span). One
 * `portcullis.authenticate` span per authentication, under the request's server span, with the
 * documented attributes; the metrics counted; and nothing exported that holds the token, the DPoP
 * proof or the introspection client's secret.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { requireMcpAuth } from '@portcullis/mcp';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import { ATTR, METRIC, SPAN } from '../../packages/core/src/observability/otel-names.js';
import { registerOtelSdk, sumOf, type OtelSdk } from '../../packages/core/test/helpers/otel-sdk.js';
import { ADAPTERS, type Adapter, type RunningApp } from '../conformance/apps.js';

// The SDK first, then the HTTP instrumentation, then `http` required once more so that its
// require hook patches the module (http.Server.prototype, shared by every server in the process).
const sdk: OtelSdk = registerOtelSdk();
const httpInstrumentation = new HttpInstrumentation();
createRequire(import.meta.url)('node:http');

/** The MCP adapter: requireMcpAuth in front of an Express route, as an MCP server mounts it. */
const MCP_ADAPTER: Adapter = {
  name: 'mcp',
  async start({ verifier }) {
    const app = express();
    app.use(express.json());
    // Typed against the mcp package's own copy of @types/express.
    const auth = requireMcpAuth(verifier) as unknown as express.RequestHandler;
    const read = requireMcpAuth(verifier, { scopes: ['orders:read'] }) as unknown as express.RequestHandler;
    const answer: express.RequestHandler = (req, res) => {
      res.json({ auth: true, subject: (req as { auth?: { subject?: string } }).auth?.subject });
    };
    app.post('/protected', auth, answer);
    app.get('/protected', auth, answer);
    app.get('/read', read, answer);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
};

const INTROSPECTION_CLIENT = Object.freeze({ clientId: 'otel-api', clientSecret: 'otel-api-introspection-secret-value' });

let issuer: FakeIssuer;
let opaque: FakeIssuer;
let dpopKey: DpopKey;
beforeAll(async () => {
  issuer = await startFakeIssuer();
  opaque = await startFakeIssuer({ clients: [{ ...INTROSPECTION_CLIENT, scopes: [] }] });
  dpopKey = createDpopKey();
});
afterAll(async () => {
  await issuer.close();
  await opaque.close();
  httpInstrumentation.disable();
  await sdk.shutdown();
});

function makeVerifier(withMetadata: boolean): Verifier {
  const issuers = [
    { issuer: issuer.url, jwksUri: issuer.jwksUri },
    { issuer: opaque.url, introspection: { ...INTROSPECTION_CLIENT, endpoint: opaque.introspectionEndpoint, cacheTtl: 0 } },
  ];
  if (withMetadata) return createVerifier({ issuer: issuers, audience: issuer.audience, resourceMetadata: { resource: issuer.audience } });
  return createVerifier({ issuer: issuers, audience: issuer.audience });
}

/** The port a server span was served on, under the old or the stable HTTP semantic conventions. */
function serverPort(span: ReadableSpan): number | undefined {
  const port = span.attributes['server.port'] ?? span.attributes['net.host.port'];
  return typeof port === 'number' ? port : undefined;
}

/** Waits (bounded: 100 turns of 10 ms) until `count` server spans of `port` have ended. */
async function serverSpans(port: number, count: number): Promise<ReadableSpan[]> {
  let spans: ReadableSpan[] = [];
  for (let turn = 0; turn < 100; turn += 1) {
    spans = sdk.spans().filter((span) => span.kind === SpanKind.SERVER && serverPort(span) === port);
    if (spans.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return spans;
}

const childrenOf = (parent: ReadableSpan, name: string) =>
  sdk.spans().filter((span) => span.name === name && span.parentSpanContext?.spanId === parent.spanContext().spanId);

interface Sent {
  status: number;
  server: ReadableSpan;
  auth: ReadableSpan[];
  authorize: ReadableSpan[];
}

/** One request; the request's server span and the Portcullis spans under it. */
async function send(app: RunningApp, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Sent> {
  sdk.spanExporter.reset();
  const response = await fetch(new URL(path, app.url), {
    method,
    headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } : {}) },
    ...(method === 'POST' ? { body: '{}' } : {}),
    signal: AbortSignal.timeout(5_000),
  });
  await response.arrayBuffer();
  const [server, ...more] = await serverSpans(Number(new URL(app.url).port), 1);
  expect(server, 'the request has its server span').toBeDefined();
  expect(more).toEqual([]);
  return { status: response.status, server: server!, auth: childrenOf(server!, SPAN.authenticate), authorize: childrenOf(server!, SPAN.authorize) };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe.each([...ADAPTERS, MCP_ADAPTER])('OpenTelemetry through $name', (adapter) => {
  let verifier: Verifier;
  let app: RunningApp;
  const isMcp = adapter === MCP_ADAPTER;
  beforeAll(async () => {
    verifier = makeVerifier(isMcp);
    app = await adapter.start({ verifier, optional: false });
  });
  afterAll(async () => {
    await app.close();
    verifier.close();
  });

  it('an accepted token: one span under the server span, with the documented attributes; the next one is a token-cache hit', async () => {
    const token = issuer.mint({ client_id: 'orders-service' });
    const first = await send(app, '/protected', bearer(token));
    expect(first.status).toBe(200);
    expect(first.auth).toHaveLength(1);
    const [span] = first.auth;
    expect(span!.kind).toBe(SpanKind.INTERNAL);
    expect(span!.attributes).toEqual({
      [ATTR.outcome]: 'accepted',
      [ATTR.scheme]: 'Bearer',
      [ATTR.issuer]: issuer.url,
      [ATTR.tokenFormat]: 'jwt',
      [ATTR.clientId]: 'orders-service',
      [ATTR.tokenCacheHit]: false,
    });
    const second = await send(app, '/protected', bearer(token));
    expect(second.auth).toHaveLength(1);
    expect(second.auth[0]!.attributes[ATTR.tokenCacheHit]).toBe(true);
  });

  it('no credential: one span, refused, with the reason and the 401', async () => {
    const sent = await send(app, '/protected');
    expect(sent.status).toBe(401);
    expect(sent.auth).toHaveLength(1);
    expect(sent.auth[0]!.attributes).toEqual({
      [ATTR.outcome]: 'refused',
      [ATTR.reason]: 'credentials_missing',
      [ATTR.statusCode]: 401,
      [ATTR.tokenCacheHit]: false,
    });
    expect(sent.auth[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('an expired token: refused, with the issuer and the reason core gives', async () => {
    const token = issuer.mint({}, { lifetime: -120 });
    const reason = await verifier.verify(token).then(
      () => undefined,
      (error: { reason?: string }) => error.reason,
    );
    const sent = await send(app, '/protected', bearer(token));
    expect(sent.status).toBe(401);
    expect(sent.auth).toHaveLength(1);
    expect(sent.auth[0]!.attributes).toMatchObject({ [ATTR.outcome]: 'refused', [ATTR.reason]: reason, [ATTR.statusCode]: 401, [ATTR.scheme]: 'Bearer', [ATTR.issuer]: issuer.url });
  });

  it('a missing scope: the authentication is accepted, the 403 is its own authorize span', async () => {
    const sent = await send(app, '/read', bearer(issuer.mint({ scope: 'profile' })));
    expect(sent.status).toBe(403);
    expect(sent.auth).toHaveLength(1);
    expect(sent.auth[0]!.attributes[ATTR.outcome]).toBe('accepted');
    expect(sent.authorize).toHaveLength(1);
    expect(sent.authorize[0]!.attributes).toMatchObject({ [ATTR.outcome]: 'refused', [ATTR.reason]: 'insufficient_scope', [ATTR.statusCode]: 403 });
  });

  it('the metrics count each authentication by outcome, reason and issuer', async () => {
    const before = await sdk.collect();
    await send(app, '/protected', bearer(issuer.mint()));
    await send(app, '/protected');
    await send(app, '/protected', bearer(issuer.mint({}, { lifetime: -120 })));
    const after = await sdk.collect();
    const delta = (name: string, match: Record<string, unknown>) => sumOf(after.get(name), match) - sumOf(before.get(name), match);
    expect(delta(METRIC.authentications, { [ATTR.outcome]: 'accepted', [ATTR.issuer]: issuer.url })).toBe(1);
    expect(delta(METRIC.authentications, { [ATTR.outcome]: 'refused', [ATTR.reason]: 'credentials_missing' })).toBe(1);
    expect(delta(METRIC.authentications, { [ATTR.outcome]: 'refused', [ATTR.issuer]: issuer.url })).toBe(1);
    expect(delta(METRIC.duration, {})).toBe(3);
  });

  it('a DPoP-bound token, an opaque token and their refusals: nothing exported holds the token, the proof or the secret', async () => {
    sdk.spanExporter.reset();
    const secrets: string[] = [INTROSPECTION_CLIENT.clientSecret];
    const everything: ReadableSpan[] = [];
    const method = isMcp ? 'POST' : 'GET';
    const bound = issuer.mint({ scope: 'orders:read' }, { dpopKey, lifetime: 600 });
    const proof = createDpopProof({ key: dpopKey, htm: method, htu: `${app.url}/protected`, accessToken: bound });
    const wrongProof = createDpopProof({ key: dpopKey, htm: method, htu: `${app.url}/elsewhere`, accessToken: bound });
    const active = opaque.mintOpaque();
    const unknown = 'opaque-token-nobody-issued-0123456789abcdef';
    secrets.push(bound, bound.split('.')[2]!, proof, wrongProof, active, unknown);
    const requests: [Record<string, string>, number][] = [
      [{ Authorization: `DPoP ${bound}`, DPoP: proof }, 200],
      [{ Authorization: `DPoP ${bound}`, DPoP: wrongProof }, 401],
      [bearer(active), 200],
      [bearer(unknown), 401],
    ];
    for (const [headers, status] of requests) {
      const sent = await send(app, '/protected', headers, method);
      expect(sent.status).toBe(status);
      expect(sent.auth).toHaveLength(1);
      everything.push(...sdk.spans());
    }
    // The introspection calls were recorded (so the search below had them to look through).
    expect(everything.some((span) => span.name === SPAN.introspection)).toBe(true);
    expect(everything.find((span) => span.name === SPAN.authenticate && span.attributes[ATTR.tokenFormat] === 'opaque')).toBeDefined();
    expect(everything.find((span) => span.name === SPAN.authenticate && span.attributes[ATTR.scheme] === 'DPoP')).toBeDefined();
    const metrics = await sdk.collect();
    const exported = JSON.stringify({
      spans: everything.map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
        links: span.links,
        resource: span.resource.attributes,
      })),
      metrics: [...metrics.values()],
    });
    expect(exported).toContain(SPAN.authenticate);
    expect(exported).toContain(METRIC.authentications);
    for (const secret of secrets) expect(exported.includes(secret), `exported telemetry holds ${secret.slice(0, 12)}…`).toBe(false);
  });
});
