import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDER_PROFILES, startFakeIssuer } from '../src/index.js';
import type { ProviderIssuer, ProviderProfile } from '../src/index.js';

const started: ProviderIssuer[] = [];
async function start(profile: ProviderProfile): Promise<ProviderIssuer> {
  const issuer = await startFakeIssuer({ profile });
  started.push(issuer);
  return issuer;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((issuer) => issuer.close()));
});

/** The provider's own paths, relative to the fake's origin. */
const PATHS: Record<ProviderProfile, { jwks: string; discovery: string }> = {
  auth0: { jwks: '/.well-known/jwks.json', discovery: '/.well-known/openid-configuration' },
  okta: { jwks: '/oauth2/default/v1/keys', discovery: '/oauth2/default/.well-known/openid-configuration' },
  entra: { jwks: '/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys', discovery: '/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/.well-known/openid-configuration' },
  'entra-v1': { jwks: '/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/keys', discovery: '/72f988bf-86f1-41af-91ab-2d7cd011db47/.well-known/openid-configuration' },
  cognito: { jwks: '/us-east-1_Fake0Pool/.well-known/jwks.json', discovery: '/us-east-1_Fake0Pool/.well-known/openid-configuration' },
  keycloak: { jwks: '/realms/acme/protocol/openid-connect/certs', discovery: '/realms/acme/.well-known/openid-configuration' },
  google: { jwks: '/oauth2/v3/certs', discovery: '/.well-known/openid-configuration' },
  'github-actions': { jwks: '/.well-known/jwks', discovery: '/.well-known/openid-configuration' },
  kubernetes: { jwks: '/openid/v1/jwks', discovery: '/.well-known/openid-configuration' },
  zitadel: { jwks: '/oauth/v2/keys', discovery: '/.well-known/openid-configuration' },
  duende: { jwks: '/.well-known/openid-configuration/jwks', discovery: '/.well-known/openid-configuration' },
};

describe.each(PROVIDER_PROFILES)('profile %s', (profile) => {
  it('happy flow: discovery and the JWKS at the provider paths; a minted token verifies against them', async () => {
    const issuer = await start(profile);
    expect(issuer.jwksUri).toBe(`${issuer.origin}${PATHS[profile].jwks}`);
    expect(issuer.discoveryUrl).toBe(`${issuer.origin}${PATHS[profile].discovery}`);
    const discovery = await fetch(issuer.discoveryUrl, { headers: issuer.requestHeaders });
    expect(discovery.status).toBe(200);
    const document = (await discovery.json()) as Record<string, unknown>;
    expect(document.issuer).toBe(issuer.url);
    expect(document.jwks_uri).toBe(issuer.jwksUri);

    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri), { headers: { ...issuer.requestHeaders } });
    const { payload } = await jwtVerify(issuer.mint(), jwks, { issuer: issuer.url });
    if (issuer.audience !== undefined) expect([payload.aud].flat()).toContain(issuer.audience);
    else expect(payload.aud).toBeUndefined();
    expect(issuer.stats.jwksRequests).toBe(1);
  });
});

describe('provider dialects', () => {
  it('cognito: the access token has client_id and token_use "access" and no aud; the ID token has aud and token_use "id"', async () => {
    const issuer = await start('cognito');
    const access = JSON.parse(Buffer.from(issuer.mint().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(access).toMatchObject({ client_id: issuer.clientId, token_use: 'access', iss: `${issuer.origin}/us-east-1_Fake0Pool` });
    expect(access).not.toHaveProperty('aud');
    const id = JSON.parse(Buffer.from(issuer.mintIdToken().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(id).toMatchObject({ aud: issuer.clientId, token_use: 'id' });
    expect(decodeProtectedHeader(issuer.mint())).not.toHaveProperty('typ');
    expect(issuer.presetOptions).toEqual({ region: 'us-east-1', userPoolId: 'us-east-1_Fake0Pool', clientId: issuer.clientId, baseUrl: issuer.origin });
  });

  it('entra: common metadata names the {tenantid} template; a tid override moves iss to that tenant', async () => {
    const issuer = await start('entra');
    const common = (await (await fetch(`${issuer.origin}/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(common.issuer).toBe(`${issuer.origin}/{tenantid}/v2.0`);
    const other = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const payload = JSON.parse(Buffer.from(issuer.mint({ tid: other }).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: `${issuer.origin}/${other}/v2.0`, tid: other, ver: '2.0', azp: issuer.clientId });
    expect(decodeProtectedHeader(issuer.mint())).toMatchObject({ typ: 'JWT' });
  });

  it('entra-v1: sts issuer form with a trailing slash and appid', async () => {
    const issuer = await start('entra-v1');
    const payload = JSON.parse(Buffer.from(issuer.mint().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: `${issuer.origin}/sts/${issuer.tenant}/`, appid: issuer.clientId, ver: '1.0' });
  });

  it('error flow: kubernetes discovery and JWKS answer 401 without the reader credentials', async () => {
    const issuer = await start('kubernetes');
    expect((await fetch(issuer.jwksUri)).status).toBe(401);
    expect((await fetch(issuer.discoveryUrl)).status).toBe(401);
    expect((await fetch(issuer.jwksUri, { headers: issuer.requestHeaders })).status).toBe(200);
    expect(issuer.stats.unauthorizedRequests).toBe(2);
  });

  it('error flow: profiles whose bearer tokens are ID tokens have no separate mintIdToken', async () => {
    const issuer = await start('github-actions');
    expect(() => issuer.mintIdToken()).toThrow(TypeError);
  });

  it('error flow: fault modes apply at the provider paths; the redirect target answers normally', async () => {
    const issuer = await start('keycloak');
    issuer.setJwksMode('down');
    expect((await fetch(issuer.jwksUri)).status).toBe(503);
    issuer.setJwksMode('redirect');
    const redirected = await fetch(issuer.jwksUri);
    expect(redirected.status).toBe(200);
    expect(((await redirected.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
    issuer.setMetadataMode('garbage');
    expect(await (await fetch(issuer.discoveryUrl)).text()).not.toMatch(/^\{/);
    expect(issuer.stats.jwksRequests).toBe(3);
  });

  it('error flow: an unknown profile is a TypeError naming the option', async () => {
    await expect(startFakeIssuer({ profile: 'nope' as ProviderProfile })).rejects.toThrow(/FakeIssuerOptions\.profile/);
  });
});
