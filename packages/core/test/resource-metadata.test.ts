import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  AuthError,
  createResourceMetadata,
  createVerifier,
  resourceMetadataUrl,
  type Verifier,
} from '../src/index.js';

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the RFC 9728 §3.1 metadata URL', () => {
  it('inserts the well-known path between the host and the path', () => {
    expect(resourceMetadataUrl('https://mcp.example.com/mcp')).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    expect(resourceMetadataUrl('http://127.0.0.1:8123/a/b')).toBe('http://127.0.0.1:8123/.well-known/oauth-protected-resource/a/b');
  });

  it('drops the terminating slash after the host, with or without it in the resource', () => {
    expect(resourceMetadataUrl('https://api.example.com')).toBe('https://api.example.com/.well-known/oauth-protected-resource');
    expect(resourceMetadataUrl('https://api.example.com/')).toBe('https://api.example.com/.well-known/oauth-protected-resource');
  });

  it('keeps a trailing slash of a longer path and the query after the path', () => {
    expect(resourceMetadataUrl('https://api.example.com/mcp/')).toBe('https://api.example.com/.well-known/oauth-protected-resource/mcp/');
    expect(resourceMetadataUrl('https://api.example.com/?tenant=a')).toBe('https://api.example.com/.well-known/oauth-protected-resource?tenant=a');
    expect(resourceMetadataUrl('https://api.example.com/r?tenant=a')).toBe('https://api.example.com/.well-known/oauth-protected-resource/r?tenant=a');
  });
});

describe('the metadata document and its answers', () => {
  it('serves resource exactly as configured: no trailing slash is added', () => {
    const metadata = createResourceMetadata({ resource: 'https://api.example.com' });
    expect(metadata.document.resource).toBe('https://api.example.com');
    expect(JSON.parse(metadata.respond('GET').body)).toEqual({ resource: 'https://api.example.com' });
  });

  it('maps every option to its registered member name', () => {
    const metadata = createResourceMetadata({
      resource: 'https://mcp.example.com/mcp',
      authorizationServers: ['https://auth.example.com/'],
      scopesSupported: ['tools:call', 'tools:list'],
      bearerMethodsSupported: ['header'],
      resourceName: 'Example',
      resourceDocumentation: 'https://docs.example.com/',
      resourcePolicyUri: 'https://example.com/policy',
      resourceTosUri: 'https://example.com/tos',
      jwksUri: 'https://mcp.example.com/jwks.json',
      resourceSigningAlgValuesSupported: ['ES256'],
      tlsClientCertificateBoundAccessTokens: true,
      dpopSigningAlgValuesSupported: ['ES256', 'EdDSA'],
      dpopBoundAccessTokensRequired: false,
    });
    expect(metadata.document).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://auth.example.com/'],
      jwks_uri: 'https://mcp.example.com/jwks.json',
      scopes_supported: ['tools:call', 'tools:list'],
      bearer_methods_supported: ['header'],
      resource_signing_alg_values_supported: ['ES256'],
      resource_name: 'Example',
      resource_documentation: 'https://docs.example.com/',
      resource_policy_uri: 'https://example.com/policy',
      resource_tos_uri: 'https://example.com/tos',
      tls_client_certificate_bound_access_tokens: true,
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
    });
    expect(metadata.url).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    expect(metadata.path).toBe('/.well-known/oauth-protected-resource/mcp');
  });

  it('GET: 200 JSON with Cache-Control and CORS for any origin', () => {
    const answer = createResourceMetadata({ resource: 'https://api.example.com', cacheMaxAge: 600 }).respond('GET');
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual({
      'Access-Control-Allow-Origin': '*',
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'public, max-age=600',
      'Content-Length': String(Buffer.byteLength(answer.body)),
    });
  });

  it('OPTIONS: 204 preflight allowing GET from any origin with any header', () => {
    const answer = createResourceMetadata({ resource: 'https://api.example.com' }).respond('OPTIONS');
    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers).toMatchObject({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      'Access-Control-Allow-Headers': '*',
    });
  });

  it('POST: 405 with Allow', () => {
    const answer = createResourceMetadata({ resource: 'https://api.example.com' }).respond('POST');
    expect(answer.status).toBe(405);
    expect(answer.headers.Allow).toBe('GET, HEAD, OPTIONS');
  });

  it('serve() answers only the metadata path, whatever the query', () => {
    const metadata = createResourceMetadata({ resource: 'http://127.0.0.1:9/mcp' });
    expect(metadata.serve({ method: 'GET', url: '/.well-known/oauth-protected-resource/mcp?x=1' })?.status).toBe(200);
    expect(metadata.serve({ method: 'GET', url: '/.well-known/oauth-protected-resource' })).toBeUndefined();
    expect(metadata.serve({ method: 'GET', url: '/mcp' })).toBeUndefined();
  });

  it.each([
    [{}, 'resourceMetadata.resource'],
    [{ resource: 'not a url' }, 'resourceMetadata.resource'],
    [{ resource: 'https://api.example.com/#frag' }, 'resourceMetadata.resource'],
    [{ resource: 'https://a.example', scopesSupported: ['a b'] }, 'resourceMetadata.scopesSupported'],
    [{ resource: 'https://a.example', bearerMethodsSupported: ['cookie'] }, 'resourceMetadata.bearerMethodsSupported'],
    [{ resource: 'https://a.example', authorizationServers: ['nope'] }, 'resourceMetadata.authorizationServers[0]'],
    [{ resource: 'https://a.example', cacheMaxAge: -1 }, 'resourceMetadata.cacheMaxAge'],
    [{ resource: 'https://a.example', resourceNmae: 'x' }, 'resourceMetadata.resourceNmae'],
  ])('a wrong option is a TypeError naming it: %j', (options, name) => {
    expect(() => createResourceMetadata(options as never)).toThrow(new RegExp(`"${name.replace(/[[\].]/g, '\\$&')}"`));
  });
});

describe('a verifier with resourceMetadata', () => {
  let issuer: FakeIssuer;
  let verifier: Verifier;
  const resource = 'http://127.0.0.1:9/mcp';
  const url = 'http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp';

  beforeAll(async () => {
    issuer = await startFakeIssuer();
    verifier = createVerifier({ issuer: issuer.url, resourceMetadata: { resource } });
  });
  afterAll(async () => {
    verifier.close();
    await issuer.close();
  });

  it('without audience, accepts a token for resource and refuses one for another audience', async () => {
    const auth = await verifier.verify(issuer.mint({ aud: resource }));
    expect(auth.audience).toEqual([resource]);
    const error = await refusal(verifier.verify(issuer.mint({ aud: 'https://api.example.com' })));
    expect(error.reason).toBe('invalid_audience');
  });

  it('defaults authorization_servers to the configured issuers and bearer methods to the allowed ones', () => {
    expect(verifier.resourceMetadata?.document).toEqual({ resource, authorization_servers: [issuer.url], bearer_methods_supported: ['header'] });
  });

  it('the bare 401 carries resource_metadata and no error code', async () => {
    const error = await refusal(verifier.verify({ method: 'GET', url: '/mcp', headers: {} }));
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${url}", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="${url}"`);
  });

  it('401 invalid_token carries resource_metadata', async () => {
    const error = await refusal(verifier.verify(issuer.mint({ aud: resource }, { lifetime: -60 })));
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="([^"]+)"$/);
    expect(error.resourceMetadata).toBe(url);
  });

  it('403 insufficient_scope names every required scope and carries resource_metadata', async () => {
    const auth = await verifier.verify(issuer.mint({ aud: resource, scope: 'tools:list' }));
    let caught: unknown;
    try {
      verifier.checkScopes(auth, { allOf: ['tools:call', 'tools:admin'] });
    } catch (error) {
      caught = error;
    }
    expect((caught as AuthError).headers['WWW-Authenticate']).toBe(
      `Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="tools:call tools:admin", resource_metadata="${url}"`,
    );
  });

  it('a verifier without resourceMetadata sends no resource_metadata, and still requires audience', async () => {
    const plain = createVerifier({ issuer: issuer.url, audience: 'https://api.example.com' });
    const error = await refusal(plain.verify({ method: 'GET', url: '/', headers: {} }));
    expect(error.headers['WWW-Authenticate']).toBe('Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    plain.close();
    // @ts-expect-error audience is required, and named
    expect(() => createVerifier({ issuer: issuer.url })).toThrow(/"audience" is required/);
  });

  it('an explicit audience wins over resource', async () => {
    const both = createVerifier({ issuer: issuer.url, audience: 'urn:api', resourceMetadata: { resource } });
    expect((await both.verify(issuer.mint({ aud: 'urn:api' }))).audience).toEqual(['urn:api']);
    expect((await refusal(both.verify(issuer.mint({ aud: resource })))).reason).toBe('invalid_audience');
    both.close();
  });
});
