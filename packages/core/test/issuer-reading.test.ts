/**
 * Issue 18: reading the tokens providers actually issue. Grant and client-id claims, the audience
 * stand-in, non-URL issuers, issuer templates, request headers on JWKS requests, route requirements and
 * the diagnosis of a wrong issuer; against the fake issuer over loopback HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  AuthError,
  InsufficientScopeError,
  createVerifier,
  routeRequirement,
  type AccessToken,
  type IssuerConfig,
  type IssuerConfigWithAudience,
  type TokenRejectedEvent,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';

let issuer: FakeIssuer;
const open: Verifier[] = [];

function verifier(options: VerifierOptions): Verifier {
  const made = createVerifier(options);
  open.push(made);
  return made;
}

function oneIssuer(config: Partial<IssuerConfig>): Verifier {
  return verifier({ issuer: { issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, ...config } as IssuerConfigWithAudience });
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const TENANT_A = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TENANT_B = '9188040d-6c67-4c5b-b112-36a304b66dad';
const TENANT_C = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(() => {
  for (const made of open.splice(0)) made.close();
});
afterAll(async () => {
  await issuer.close();
});

describe('construction checks of the issuer reading options', () => {
  const base = { issuer: 'https://auth.example.com/', audience: 'api' };
  it('error flow: each wrong option is a TypeError that names it', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ roleClaims: 'roles' }, /"issuer\.roleClaims" must be a list/],
      [{ roleClaims: [''] }, /"issuer\.roleClaims\[0\]"/],
      [{ scopeClaims: [['a', '']] }, /"issuer\.scopeClaims\[0\]"/],
      [{ clientIdClaims: [] }, /"issuer\.clientIdClaims" must be a non-empty list/],
      [{ audienceClaim: { claim: 'client_id', values: [] }, audience: undefined }, /"issuer\.audienceClaim\.values"/],
      [{ audienceClaim: { claim: '', values: ['x'] }, audience: undefined }, /"issuer\.audienceClaim\.claim"/],
      [{ audienceClaim: { claim: 'client_id', values: ['x'] } }, /"issuer\.audienceClaim" is used instead of "issuer\.audience"/],
      [{ requiredClaimValues: { token_use: ['access'] } }, /"issuer\.requiredClaimValues\.token_use"/],
      [{ requiredClaimValues: 'access' }, /"issuer\.requiredClaimValues" must be an object/],
      [{ tenants: 'any' }, /"issuer\.tenants" goes with an issuer template/],
      [{ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys' }, /"issuer\.tenants" is required/],
      [{ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', tenants: 'any' }, /"issuer\.issuer" is a template: give the template issuer's "jwksUri"/],
      [{ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', jwksUri: 'https://x.example/keys', tenants: ['contoso'] }, /"issuer\.tenants" has "contoso", which is not a tenant id/],
      [{ issuer: 'https://x.example/{tenantid}/{tenantid}', jwksUri: 'https://x.example/keys', tenants: 'any' }, /"issuer\.issuer" must hold \{tenantid\} once/],
      [{ requestHeaders: { 'bad name': 'x' } }, /"issuer\.requestHeaders" has an invalid header name/],
      [{ requestHeaders: { authorization: 'Bearer a\r\nX: y' } }, /"issuer\.requestHeaders\.authorization" must be a string without line breaks/],
      [{ issuer: 'accounts.google.com' }, /"issuer\.issuer" must be an absolute URL/],
      [{ rolesClaims: ['roles'] }, /"issuer\.rolesClaims" is not a known option \(did you mean "issuer\.roleClaims"\?\)/],
    ];
    for (const [config, message] of bad) {
      expect(() => createVerifier({ issuer: { ...base, ...config } }), JSON.stringify(config)).toThrow(message);
    }
  });

  it('error flow: an issuer with neither audience nor audienceClaim stays a TypeError', () => {
    // @ts-expect-error audience is required, and named
    expect(() => createVerifier({ issuer: { issuer: base.issuer } })).toThrow(/"audience" is required/);
    const mixed = { issuer: [{ issuer: base.issuer, audienceClaim: { claim: 'client_id', values: ['c'] } }, { issuer: 'https://b.example/' }] };
    expect(() => createVerifier(mixed as unknown as VerifierOptions)).toThrow(
      /"audience" is required/,
    );
  });

  it('error flow: per-issuer options at the top level say where they go', () => {
    expect(() => createVerifier({ ...base, roleClaims: ['roles'] } as VerifierOptions)).toThrow(/"roleClaims" goes inside the issuer configuration/);
    expect(() => createVerifier({ ...base, scopeClaims: [7] } as unknown as VerifierOptions)).toThrow(/"scopeClaims\[0\]"/);
  });
});

describe('grant sources: scopes, roles and the client id', () => {
  it('happy flow: Keycloak roles from nested paths, dotted and as segments', async () => {
    const v = oneIssuer({ roleClaims: ['realm_access.roles', ['resource_access', 'orders-api', 'roles']] });
    const auth = await v.verify(
      issuer.mint({
        realm_access: { roles: ['offline_access', 'admin'] },
        resource_access: { 'orders-api': { roles: ['orders:approve', 'admin'] }, account: { roles: ['manage-account'] } },
        azp: 'orders-ui',
        client_id: undefined,
      }),
    );
    expect(auth.roles).toEqual(['offline_access', 'admin', 'orders:approve']);
    expect(auth.clientId).toBe('orders-ui');
  });

  it('happy flow: ZITADEL roles as an object keyed by role; Auth0 roles under a URL-named claim', async () => {
    const zitadel = oneIssuer({ roleClaims: ['urn:zitadel:iam:org:project:roles'] });
    const z = await zitadel.verify(issuer.mint({ 'urn:zitadel:iam:org:project:roles': { editor: { '2871': 'acme.zitadel.cloud' }, viewer: {} } }));
    expect(z.roles).toEqual(['editor', 'viewer']);
    const auth0 = oneIssuer({ roleClaims: ['https://example.com/roles'], scopeClaims: ['permissions'] });
    const a = await auth0.verify(issuer.mint({ 'https://example.com/roles': ['support'], permissions: ['orders:read'], scope: 'openid' }));
    expect(a.roles).toEqual(['support']);
    expect(a.scopes).toEqual(['openid', 'orders:read']);
  });

  it('happy flow: roles default to the roles claim (Entra app roles); an array path reaches a dotted top-level name', async () => {
    const v = oneIssuer({ scopeClaims: [['perm.list']] });
    const auth = await v.verify(issuer.mint({ roles: ['Orders.Read.All'], 'perm.list': 'x y' }));
    expect(auth.roles).toEqual(['Orders.Read.All']);
    expect(auth.scopes).toContain('x');
  });

  it('happy flow: scope as a JSON array (Duende, PingFederate) is read as its list; strict at+jwt mode refuses it', async () => {
    const v = oneIssuer({});
    expect((await v.verify(issuer.mint({ scope: ['orders:read', 'orders:write'] }))).scopes).toEqual(['orders:read', 'orders:write']);
    const strict = verifier({ issuer: { issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience }, tokenType: 'at+jwt' });
    const error = await refusal(strict.verify(issuer.mint({ scope: ['orders:read'] })));
    expect(error.reason).toBe('invalid_claim');
    expect(error.description).toBe('the scope claim is malformed');
  });

  it('happy flow: clientId from client_id, else azp, cid, appid; configurable', async () => {
    const v = oneIssuer({});
    expect((await v.verify(issuer.mint({ client_id: 'c1', azp: 'a1' }))).clientId).toBe('c1');
    expect((await v.verify(issuer.mint({ client_id: undefined, azp: 'a1', cid: 'k1' }))).clientId).toBe('a1');
    expect((await v.verify(issuer.mint({ client_id: undefined, cid: 'okta-client' }))).clientId).toBe('okta-client');
    expect((await v.verify(issuer.mint({ client_id: undefined, appid: 'entra-v1-app' }))).clientId).toBe('entra-v1-app');
    expect((await v.verify(issuer.mint({ client_id: undefined }))).clientId).toBeUndefined();
    const custom = oneIssuer({ clientIdClaims: ['app.id'] });
    expect((await custom.verify(issuer.mint({ app: { id: 'nested' } }))).clientId).toBe('nested');
  });

  it('error flow: __proto__ and inherited members are no grants', async () => {
    const v = oneIssuer({ roleClaims: ['a.constructor', 'toString'] });
    expect((await v.verify(issuer.mint({ a: {} }))).roles).toEqual([]);
  });
});

describe('audience stand-in (Amazon Cognito access tokens have no aud)', () => {
  const cognito = (): Verifier =>
    verifier({
      issuer: {
        issuer: issuer.url,
        jwksUri: issuer.jwksUri,
        audienceClaim: { claim: 'client_id', values: ['app-client-1', 'app-client-2'] },
        requiredClaimValues: { token_use: 'access' },
      },
    });

  it('happy flow: an access token whose client_id is allowed, without aud', async () => {
    const auth = await cognito().verify(issuer.mint({ aud: undefined, client_id: 'app-client-2', token_use: 'access', scope: 'orders/read' }));
    expect(auth.clientId).toBe('app-client-2');
    expect(auth.audience).toEqual([]);
  });

  it('error flow: the pool ID token (token_use id, aud = client id), another client, no client_id', async () => {
    const v = cognito();
    const idToken = await refusal(v.verify(issuer.mint({ aud: 'app-client-1', client_id: undefined, token_use: 'id' })));
    expect([idToken.status, idToken.reason]).toEqual([401, 'invalid_audience']);
    const idWithClient = await refusal(v.verify(issuer.mint({ aud: undefined, client_id: 'app-client-1', token_use: 'id' })));
    expect([idWithClient.status, idWithClient.reason, idWithClient.description]).toEqual([401, 'invalid_claim', 'the token token_use claim is not accepted']);
    const noUse = await refusal(v.verify(issuer.mint({ aud: undefined, client_id: 'app-client-1' })));
    expect([noUse.reason, noUse.description]).toEqual(['missing_claim', 'the token has no token_use claim']);
    const other = await refusal(v.verify(issuer.mint({ aud: undefined, client_id: 'someone-else', token_use: 'access' })));
    expect([other.status, other.reason]).toEqual([401, 'invalid_audience']);
  });
});

describe('issuers that are not URLs', () => {
  it('happy flow: accounts.google.com with jwksUri is matched exactly; the URL form is another issuer', async () => {
    const v = verifier({ issuer: { issuer: 'accounts.google.com', jwksUri: issuer.jwksUri, audience: issuer.audience } });
    const auth = await v.verify(issuer.mint({ iss: 'accounts.google.com' }));
    expect(auth.issuer).toBe('accounts.google.com');
    expect((await refusal(v.verify(issuer.mint({ iss: 'https://accounts.google.com' })))).reason).toBe('invalid_issuer');
  });
});

describe('issuer templates (Entra multi-tenant)', () => {
  const template = (): string => `${issuer.url}/{tenantid}/v2.0`;
  const entra = (tenants: readonly string[] | 'any'): Verifier =>
    verifier({ issuer: { issuer: template(), jwksUri: issuer.jwksUri, audience: issuer.audience, tenants } });
  const tenantToken = (tid: string, iss = `${issuer.url}/${tid}/v2.0`): string => issuer.mint({ iss, tid });

  it('happy flow: an allowed tenant; auth.issuer is its own issuer and auth.tenant its tid; the token cache serves it again', async () => {
    const v = entra([TENANT_A, TENANT_B.toUpperCase()]);
    const token = tenantToken(TENANT_A);
    const auth = await v.verify(token);
    expect([auth.issuer, auth.tenant]).toEqual([`${issuer.url}/${TENANT_A}/v2.0`, TENANT_A]);
    expect((await v.verify(tenantToken(TENANT_B))).tenant).toBe(TENANT_B);
    expect(await v.verify(token)).toBe(auth);
    expect(v.stats().tokenCache.hits).toBe(1);
    expect(Object.keys(v.stats().issuers)).toEqual([template()]);
  });

  it('error flow: a tenant not listed, a tid that is not its iss tenant, a tid that is no GUID', async () => {
    const v = entra([TENANT_A]);
    const events: TokenRejectedEvent[] = [];
    v.on('token_rejected', (event) => events.push(event));
    const cases: [string, string][] = [
      [tenantToken(TENANT_C), 'the token tenant is not accepted'],
      [issuer.mint({ iss: `${issuer.url}/${TENANT_A}/v2.0`, tid: TENANT_C }), 'the token issuer does not match its tenant'],
      [issuer.mint({ iss: `${issuer.url}/${TENANT_A}/v2.0` }), 'the token issuer does not match its tenant'],
      [tenantToken('contoso'), 'the token tenant is malformed'],
    ];
    for (const [token, description] of cases) {
      const error = await refusal(v.verify(token));
      expect([error.status, error.reason, error.description]).toEqual([401, 'invalid_issuer', description]);
    }
    expect(events.map((e) => e.configuredIssuers)).toEqual(cases.map(() => [template()]));
  });

  it("happy flow: tenants: 'any' accepts every tenant explicitly", async () => {
    const v = entra('any');
    expect((await v.verify(tenantToken(TENANT_C))).tenant).toBe(TENANT_C);
  });

  it('happy flow: a template next to an exact issuer; each token goes to its own', async () => {
    const v = verifier({
      issuer: [
        { issuer: issuer.url, jwksUri: issuer.jwksUri, audience: 'other-api' },
        { issuer: template(), jwksUri: issuer.jwksUri, audience: issuer.audience, tenants: [TENANT_A] },
      ],
    });
    expect((await v.verify(tenantToken(TENANT_A))).tenant).toBe(TENANT_A);
    expect((await refusal(v.verify(issuer.mint()))).reason).toBe('invalid_audience');
  });
});

describe('requestHeaders on discovery and JWKS requests (Kubernetes)', () => {
  let guarded: Server;
  let guardedUrl: string;
  const seen: (string | undefined)[] = [];
  beforeAll(async () => {
    // A JWKS endpoint that, like a Kubernetes API server, wants the service-account token.
    guarded = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== 'Bearer sa-token-1' && req.headers.authorization !== 'Bearer sa-token-2') {
        res.writeHead(401).end();
        return;
      }
      void fetch(issuer.jwksUri).then(async (upstream) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(await upstream.text());
      });
    });
    await new Promise<void>((resolve) => guarded.listen(0, '127.0.0.1', resolve));
    guardedUrl = `http://127.0.0.1:${(guarded.address() as AddressInfo).port}/openid/v1/jwks`;
  });
  afterAll(async () => {
    await new Promise((resolve) => guarded.close(resolve));
  });

  it('happy flow: static headers and a function called per request', async () => {
    seen.length = 0;
    const fixed = oneIssuer({ jwksUri: guardedUrl, requestHeaders: { Authorization: 'Bearer sa-token-1' } });
    await fixed.verify(issuer.mint());
    let calls = 0;
    const rotating = oneIssuer({
      jwksUri: guardedUrl,
      requestHeaders: () => {
        calls++;
        return Promise.resolve({ authorization: 'Bearer sa-token-2' });
      },
    });
    await rotating.verify(issuer.mint());
    expect(calls).toBe(1);
    expect(seen).toEqual(['Bearer sa-token-1', 'Bearer sa-token-2']);
  });

  it('error flow: without the header the keys are unavailable (503), and no event carries the header value', async () => {
    const plain = oneIssuer({ jwksUri: guardedUrl });
    expect((await refusal(plain.verify(issuer.mint()))).status).toBe(503);
    const failing = oneIssuer({
      jwksUri: guardedUrl,
      requestHeaders: () => {
        throw new Error('no token file');
      },
    });
    const events: unknown[] = [];
    const secret = oneIssuer({ jwksUri: guardedUrl, requestHeaders: { authorization: 'Bearer wrong-secret-value' } });
    secret.on('keys_unavailable', (event) => events.push(event));
    expect((await refusal(failing.verify(issuer.mint()))).status).toBe(503);
    expect((await refusal(secret.verify(issuer.mint()))).status).toBe(503);
    expect(events.length).toBe(1);
    const shown = JSON.stringify(events, (_key, value: unknown) => (value instanceof Error ? `${value.message} ${String(value.cause)}` : value));
    expect(shown).not.toContain('wrong-secret-value');
  });
});

describe('route requirements (roles and claims)', () => {
  async function token(claims: Record<string, unknown>): Promise<AccessToken> {
    return oneIssuer({ roleClaims: ['realm_access.roles'] }).verify(issuer.mint(claims));
  }
  function forbidden(v: Verifier, auth: AccessToken, requirement: Parameters<Verifier['checkScopes']>[1]): InsufficientScopeError {
    try {
      v.checkScopes(auth, requirement);
    } catch (error) {
      if (error instanceof InsufficientScopeError) return error;
      throw error;
    }
    throw new Error('expected a 403');
  }

  it('happy and error flow: roles all-of and any-of; the 403 names the missing roles and has no scope attribute', async () => {
    const v = oneIssuer({});
    const auth = await token({ realm_access: { roles: ['viewer', 'auditor'] } });
    v.checkScopes(auth, routeRequirement({ roles: { allOf: ['viewer'], anyOf: ['admin', 'auditor'] } }, 'test')!);
    const error = forbidden(v, auth, { roles: { allOf: ['viewer', 'admin', 'owner'] } });
    expect([error.status, error.reason, error.description]).toEqual([403, 'insufficient_role', 'the token lacks a required role: admin, owner']);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer error="insufficient_scope", error_description="the token lacks a required role: admin, owner"');
    expect(forbidden(v, auth, { roles: { anyOf: ['admin', 'owner'] } }).description).toBe('the token has none of the accepted roles: admin, owner');
    expect(v.stats().rejectedByReason.insufficient_role).toBe(2);
  });

  it('happy and error flow: claims equal, include, or satisfy a predicate; the 403 names the claim, never its value', async () => {
    const v = oneIssuer({});
    const auth = await token({ tenant: 'acme-secret-name', groups: ['ops', 'dev'], amr: 'pwd mfa', level: 3 });
    const ok = routeRequirement({ claims: { tenant: 'acme-secret-name', groups: { includes: 'ops' }, amr: { includes: 'mfa' }, level: (value) => typeof value === 'number' && value >= 3 } }, 'test')!;
    v.checkScopes(auth, ok);
    const wrong = forbidden(v, auth, routeRequirement({ claims: { tenant: 'other' } }, 'test')!);
    expect([wrong.reason, wrong.claim, wrong.description]).toEqual(['claim_requirement_failed', 'tenant', "the token's tenant claim does not meet the requirement of this resource"]);
    expect(JSON.stringify([wrong.headers, wrong.toJSON()])).not.toContain('acme-secret-name');
    expect(forbidden(v, auth, { claims: { 'realm_access.roles': { includes: 'x' } } }).claim).toBe('realm_access.roles');
    expect(forbidden(v, auth, { claims: (claims) => claims.sub === 'nobody' }).description).toBe('the token does not meet the claim requirement of this resource');
    const thrown = forbidden(v, auth, { claims: { level: () => { throw new Error('bug'); } } });
    expect([thrown.status, (thrown.cause as Error).message]).toEqual([403, 'bug']);
    // Scopes first: a missing scope is named in the challenge's scope attribute.
    expect(forbidden(v, auth, { allOf: ['orders:write'], claims: { tenant: 'other' } }).headers['WWW-Authenticate']).toContain('scope="orders:write"');
  });

  it('error flow: a wrong requirement is a TypeError naming the option, at declaration', () => {
    expect(() => routeRequirement({ roles: { allOf: [''] } }, 'requireRoles')).toThrow(/"requireRoles\.roles\.allOf"/);
    expect(() => routeRequirement({ roles: { anyOf: [] } }, 'requireAnyRole')).toThrow(/"requireAnyRole\.roles\.anyOf" needs at least one role/);
    expect(() => routeRequirement({ claims: { tenant: { equals: 'x' } as never } }, 'requireClaims')).toThrow(/"requireClaims\.claims\.tenant"/);
    expect(() => routeRequirement({ claims: {} }, 'requireClaims')).toThrow(/"requireClaims\.claims" names no claim/);
    expect(routeRequirement({}, 'x')).toBeUndefined();
  });
});

describe('diagnosis of a wrong issuer', () => {
  it('error flow: a trailing-slash slip in the configuration is named in the discovery failure', async () => {
    const slashed = verifier({ issuer: `${issuer.url}/`, audience: issuer.audience });
    const failures: Error[] = [];
    slashed.on('discovery_failed', ({ error }) => failures.push(error));
    expect((await refusal(slashed.verify(issuer.mint({ iss: `${issuer.url}/` })))).status).toBe(503);
    expect(failures[0]!.message).toContain(`the metadata names issuer "${issuer.url}" but "${issuer.url}/" is configured: they differ only by a trailing slash`);
  });

  it('error flow: scheme and case slips in a token are named with both spellings', async () => {
    const v = verifier({ issuer: { issuer: 'https://Tenant.auth.example.com/', jwksUri: issuer.jwksUri, audience: issuer.audience } });
    const events: TokenRejectedEvent[] = [];
    v.on('token_rejected', (event) => events.push(event));
    await refusal(v.verify(issuer.mint({ iss: 'http://tenant.auth.example.com' })));
    await refusal(v.verify(issuer.mint({ iss: 'https://elsewhere.example.com/' })));
    expect(events[0]!.issuerDiagnosis).toBe(
      'the token names issuer "http://tenant.auth.example.com" but "https://Tenant.auth.example.com/" is configured: they differ only by a trailing slash and the scheme (http vs https) and letter case',
    );
    expect(events[1]!.issuerDiagnosis).toBeUndefined();
    expect(events[1]!.configuredIssuers).toEqual(['https://Tenant.auth.example.com/']);
  });
});
