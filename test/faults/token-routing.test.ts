/**
 * Which path a token takes at an issuer that both publishes keys and introspects (issue 21, findings 9
 * and 10), through Express, Fastify and Koa with the fake issuer, counting its introspection calls:
 *
 * - default: a JWT (a compact JWS whose header parses and whose `iss` names the issuer) is verified
 *   locally; anything else is introspected, a JWS-shaped opaque token whose header does not parse included;
 * - `introspect: 'all'`: every token of the issuer is introspected, JWTs included;
 * - `introspect: 'always'`: a JWT is verified locally, then introspected (revocation); no opaque tokens.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from './helpers/apps.js';

const API = { clientId: 'orders-api', clientSecret: 'orders-api-secret' };
let issuer: FakeIssuer;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  issuer = await startFakeIssuer({ clients: [{ ...API, scopes: [] }] });
});
afterAll(async () => {
  await issuer.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function verifierFor(introspect?: 'always' | 'all'): Verifier {
  const verifier = createVerifier({
    issuer: [
      {
        issuer: issuer.url,
        jwksUri: issuer.jwksUri,
        introspection: { ...API, endpoint: issuer.introspectionEndpoint, cacheTtl: 0 },
        ...(introspect === undefined ? {} : { introspect }),
      },
    ],
    audience: issuer.audience,
  });
  cleanups.push(() => verifier.close());
  return verifier;
}

async function status(app: RunningApp, token: string): Promise<{ status: number; error: unknown; introspections: number }> {
  const before = issuer.stats.introspectionRequests;
  const response = await fetch(`${app.url}/protected`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { error?: unknown };
  return { status: response.status, error: body.error, introspections: issuer.stats.introspectionRequests - before };
}

describe.each(ADAPTERS.map((adapter) => [adapter.name, adapter] as const))('token routing through %s', (_name, adapter) => {
  async function appFor(verifier: Verifier): Promise<RunningApp> {
    const app = await adapter.start(verifier);
    cleanups.push(() => app.close());
    return app;
  }

  it('default: a JWT of the issuer is verified locally, with no introspection call', async () => {
    const app = await appFor(verifierFor());
    expect(await status(app, issuer.mint())).toEqual({ status: 200, error: undefined, introspections: 0 });
    // Proof that it was not introspected: the server's revocation is not seen (introspect: 'always' sees it).
    const revoked = issuer.mint();
    issuer.revoke(revoked);
    expect(await status(app, revoked)).toEqual({ status: 200, error: undefined, introspections: 0 });
  });

  it('default: a forged JWT naming the issuer is refused locally (bad signature), never introspected', async () => {
    const app = await appFor(verifierFor());
    expect(await status(app, issuer.mint({}, { key: 'attacker' }))).toEqual({ status: 401, error: 'invalid_token', introspections: 0 });
  });

  it('default: an opaque token is introspected', async () => {
    const app = await appFor(verifierFor());
    expect(await status(app, issuer.mintOpaque())).toEqual({ status: 200, error: undefined, introspections: 1 });
  });

  it('default: a JWS-shaped opaque token (three segments of random bytes) is introspected, not refused as a bad JWT', async () => {
    const app = await appFor(verifierFor());
    expect(await status(app, issuer.mintOpaque({}, { shape: 'jws' }))).toEqual({ status: 200, error: undefined, introspections: 1 });
    expect(await status(app, 'AAAA.BBBB.CCCC')).toEqual({ status: 401, error: 'invalid_token', introspections: 1 });
  });

  it("introspect: 'all': a JWT of the issuer is introspected too", async () => {
    const app = await appFor(verifierFor('all'));
    expect(await status(app, issuer.mint())).toEqual({ status: 200, error: undefined, introspections: 1 });
    const revoked = issuer.mint();
    issuer.revoke(revoked);
    expect(await status(app, revoked)).toEqual({ status: 401, error: 'invalid_token', introspections: 1 });
    expect(await status(app, issuer.mintOpaque({}, { shape: 'jws' }))).toEqual({ status: 200, error: undefined, introspections: 1 });
  });

  it("introspect: 'always': a JWT is verified locally and then introspected (revocation seen); opaque tokens are not taken", async () => {
    const app = await appFor(verifierFor('always'));
    expect(await status(app, issuer.mint())).toEqual({ status: 200, error: undefined, introspections: 1 });
    const revoked = issuer.mint();
    issuer.revoke(revoked);
    expect(await status(app, revoked)).toEqual({ status: 401, error: 'invalid_token', introspections: 1 });
    expect(await status(app, issuer.mint({}, { key: 'attacker' }))).toEqual({ status: 401, error: 'invalid_token', introspections: 0 });
    expect(await status(app, issuer.mintOpaque())).toEqual({ status: 401, error: 'invalid_token', introspections: 0 });
  });
});
