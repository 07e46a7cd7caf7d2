import { afterEach, describe, expect, it } from 'vitest';
import { startFakeIssuer } from '../src/index.js';
import type { FakeIssuer, FakeIssuerOptions } from '../src/index.js';

const started: FakeIssuer[] = [];
async function start(options?: FakeIssuerOptions): Promise<FakeIssuer> {
  const issuer = await startFakeIssuer(options);
  started.push(issuer);
  return issuer;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((issuer) => issuer.close()));
});

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Record<string, unknown>;
}

describe('metadata documents', () => {
  it('happy flow: without issuerPath the issuer is the bare origin and both documents are at the root', async () => {
    const issuer = await start();
    expect(issuer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(issuer.metadataUrl).toBe(`${issuer.url}/.well-known/oauth-authorization-server`);
    expect(issuer.openidConfigurationUrl).toBe(`${issuer.url}/.well-known/openid-configuration`);
    expect(issuer.jwksUri.startsWith(`${issuer.url}/`)).toBe(true);
    expect(issuer.tokenEndpoint.startsWith(`${issuer.url}/`)).toBe(true);
    expect(issuer.audience).toBe('https://api.example.com');

    for (const url of [issuer.metadataUrl, issuer.openidConfigurationUrl]) {
      const document = await getJson(url);
      expect(document).toMatchObject({
        issuer: issuer.url,
        jwks_uri: issuer.jwksUri,
        token_endpoint: issuer.tokenEndpoint,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        response_types_supported: [],
        scopes_supported: [],
      });
    }
  });

  it('error flow: authorization_endpoint is listed (RFC 8414 clients require it) and answers 400 unsupported_response_type, no redirect', async () => {
    const issuer = await start({ issuerPath: '/realms/demo' });
    const document = await getJson(issuer.metadataUrl);
    expect(document.authorization_endpoint).toBe(`${issuer.url}/authorize`);
    const response = await fetch(`${String(document.authorization_endpoint)}?response_type=code&client_id=x&redirect_uri=https://evil.example/cb`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.json()).toMatchObject({ error: 'unsupported_response_type' });
  });

  it('happy flow: with issuerPath RFC 8414 inserts the well-known part before the path and OIDC appends it', async () => {
    const issuer = await start({ issuerPath: '/realms/demo' });
    const origin = new URL(issuer.url).origin;
    expect(issuer.url).toBe(`${origin}/realms/demo`);
    expect(issuer.metadataUrl).toBe(`${origin}/.well-known/oauth-authorization-server/realms/demo`);
    expect(issuer.openidConfigurationUrl).toBe(`${origin}/realms/demo/.well-known/openid-configuration`);
    expect(issuer.jwksUri.startsWith(`${issuer.url}/`)).toBe(true);

    for (const url of [issuer.metadataUrl, issuer.openidConfigurationUrl]) {
      const document = await getJson(url);
      expect(document.issuer).toBe(issuer.url);
      expect(document.jwks_uri).toBe(issuer.jwksUri);
      expect(document.token_endpoint).toBe(issuer.tokenEndpoint);
    }
    // The root-level documents belong to no issuer here.
    expect((await fetch(`${origin}/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect((await fetch(`${origin}/.well-known/openid-configuration`)).status).toBe(404);
    // The endpoints named in the metadata answer.
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
  });

  it('happy flow: a trailing slash stays in the issuer identifier and is dropped for the well-known URLs', async () => {
    const issuer = await start({ issuerPath: '/tenant/' });
    const origin = new URL(issuer.url).origin;
    expect(issuer.url).toBe(`${origin}/tenant/`);
    expect(issuer.metadataUrl).toBe(`${origin}/.well-known/oauth-authorization-server/tenant`);
    expect(issuer.openidConfigurationUrl).toBe(`${origin}/tenant/.well-known/openid-configuration`);
    expect((await getJson(issuer.metadataUrl)).issuer).toBe(`${origin}/tenant/`);

    const root = await start({ issuerPath: '/' });
    expect(root.url).toBe(`${new URL(root.url).origin}/`);
    expect((await getJson(root.openidConfigurationUrl)).issuer).toBe(root.url);
  });

  it('happy flow: scopes_supported is the union of the scopes of every client, including ones added later', async () => {
    const issuer = await start({
      clients: [
        { clientId: 'a', clientSecret: 'a-secret', scopes: ['orders:read', 'orders:write'] },
        { clientId: 'b', clientSecret: 'b-secret', scopes: ['orders:read', 'invoices:read'] },
      ],
    });
    expect((await getJson(issuer.metadataUrl)).scopes_supported).toEqual(['orders:read', 'orders:write', 'invoices:read']);
    issuer.addClient({ clientId: 'c', clientSecret: 'c-secret', scopes: ['admin'] });
    expect((await getJson(issuer.openidConfigurationUrl)).scopes_supported).toEqual([
      'orders:read',
      'orders:write',
      'invoices:read',
      'admin',
    ]);
  });

  it('happy flow: an explicit port is used', async () => {
    const probe = await start();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const issuer = await start({ port });
    expect(issuer.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('error flow: the metadata answers 405 to POST and unknown paths answer 404', async () => {
    const issuer = await start();
    const post = await fetch(issuer.metadataUrl, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${issuer.url}/nothing-here`)).status).toBe(404);
  });

  it('error flow: invalid options are refused with a TypeError that names the option', async () => {
    await expect(startFakeIssuer({ issuerPath: 'realms/demo' })).rejects.toThrow(/issuerPath/);
    await expect(startFakeIssuer({ issuerPath: '/a?b=c' })).rejects.toThrow(/issuerPath/);
    await expect(startFakeIssuer({ issuerPath: '/a/../b' })).rejects.toThrow(/issuerPath/);
    await expect(startFakeIssuer({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(startFakeIssuer({ audience: '' })).rejects.toThrow(/audience/);
    await expect(startFakeIssuer({ tokenLifetime: Number.NaN })).rejects.toThrow(/tokenLifetime/);
    await expect(
      startFakeIssuer({ clients: [{ clientId: '', clientSecret: 'x', scopes: [] }] }),
    ).rejects.toThrow(/clients\[0\]\.clientId/);
    const issuer = await start();
    expect(() => issuer.addClient({ clientId: 'x', clientSecret: '', scopes: [] })).toThrow(TypeError);
  });
});
