// The provider dialects of the fake issuer, one object each (types in dialects.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Dialect, DialectContext, DialectRoute, ProviderProfile } from './dialects.js';

const NO_RFC9068: Readonly<Record<string, undefined>> = { client_id: undefined, scope: undefined, jti: undefined };

function metadata(issuer: string, jwksUri: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['code', 'id_token', 'token id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    ...extra,
  };
}

/** A route table for providers whose paths are fixed. */
function fixedRoutes(table: ReadonlyArray<readonly [string, 'jwks' | (() => Record<string, unknown>)]>) {
  return (path: string): DialectRoute | undefined => {
    const hit = table.find(([candidate]) => candidate === path);
    if (hit === undefined) return undefined;
    return hit[1] === 'jwks' ? { kind: 'jwks' } : { kind: 'metadata', document: hit[1]() };
  };
}

/** A random GUID shaped like an Entra tenant or object id. */
export function guid(): string {
  return randomUUID();
}

// https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles (Auth0 token profile: azp, scope,
// aud as a list when `openid` was asked for); https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis
// (`permissions`); the JWKS at /.well-known/jwks.json.
const auth0: Dialect = {
  issuer: (c) => `${c.origin}/`,
  jwksUri: (c) => `${c.origin}/.well-known/jwks.json`,
  discoveryUrl: (c) => `${c.origin}/.well-known/openid-configuration`,
  route: (path, c) =>
    fixedRoutes([
      ['/.well-known/jwks.json', 'jwks'],
      ['/.well-known/openid-configuration', () => metadata(`${c.origin}/`, `${c.origin}/.well-known/jwks.json`)],
    ])(path),
  header: { typ: 'JWT' },
  accessClaims: (c) => ({
    ...NO_RFC9068,
    sub: `${c.clientId}@clients`,
    aud: c.audience,
    azp: c.clientId,
    gty: 'client-credentials',
    scope: 'orders:read orders:write',
    permissions: ['orders:read', 'orders:write'],
  }),
  idClaims: (c) => ({ ...NO_RFC9068, sub: 'auth0|123456', aud: c.clientId, nonce: 'n-0S6_WzA2Mj', sid: 'x' }),
  presetOptions: (c) => ({ domain: new URL(c.origin).host, audience: c.audience, baseUrl: c.origin }),
};

// https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/ (custom authorization server
// /oauth2/{id}: /v1/keys), https://developer.okta.com/docs/guides/validate-access-tokens/ (ver, jti "AT.…",
// cid, uid, scp as an array, aud "api://default").
const okta: Dialect = {
  issuer: (c) => `${c.origin}/oauth2/default`,
  jwksUri: (c) => `${c.origin}/oauth2/default/v1/keys`,
  discoveryUrl: (c) => `${c.origin}/oauth2/default/.well-known/openid-configuration`,
  route: (path, c) => {
    const issuer = `${c.origin}/oauth2/default`;
    return fixedRoutes([
      ['/oauth2/default/v1/keys', 'jwks'],
      ['/oauth2/default/.well-known/openid-configuration', () => metadata(issuer, `${issuer}/v1/keys`)],
      ['/oauth2/default/.well-known/oauth-authorization-server', () => metadata(issuer, `${issuer}/v1/keys`)],
    ])(path);
  },
  header: { typ: undefined },
  accessClaims: (c) => ({
    ...NO_RFC9068,
    ver: 1,
    jti: `AT.${randomBytes(16).toString('base64url')}`,
    aud: c.audience,
    cid: c.clientId,
    scp: ['orders:read', 'orders:write'],
    sub: c.clientId,
  }),
  idClaims: (c) => ({ ...NO_RFC9068, ver: 1, sub: '00uid4BxXw6I6TV4m0g3', aud: c.clientId, amr: ['pwd'], idp: '00o1' }),
  presetOptions: (c) => ({ issuer: `${c.origin}/oauth2/default`, audience: c.audience }),
};

function entraDialect(version: 1 | 2): Dialect {
  const sts = (c: DialectContext): string => (version === 2 ? c.origin : `${c.origin}/sts`);
  const issuerOf = (c: DialectContext, tid: string): string =>
    version === 2 ? `${c.origin}/${tid}/v2.0` : `${sts(c)}/${tid}/`;
  const keysPath = version === 2 ? 'discovery/v2.0/keys' : 'discovery/keys';
  const discoveryPath = version === 2 ? 'v2.0/.well-known/openid-configuration' : '.well-known/openid-configuration';
  return {
    issuer: (c) => issuerOf(c, c.tenant),
    jwksUri: (c) => `${c.origin}/${c.tenant}/${keysPath}`,
    discoveryUrl: (c) => `${c.origin}/${c.tenant}/${discoveryPath}`,
    // https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc: per-tenant metadata names the
    // tenant's issuer; `common` and `organizations` name the template "…/{tenantid}/…".
    route: (path, c) => {
      const match = /^\/([^/]+)\/(.+)$/.exec(path);
      if (match === null) return undefined;
      const [, tenant, rest] = match as unknown as [string, string, string];
      if (rest === keysPath) return { kind: 'jwks' };
      if (rest !== discoveryPath) return undefined;
      const multi = tenant === 'common' || tenant === 'organizations';
      return {
        kind: 'metadata',
        document: metadata(issuerOf(c, multi ? '{tenantid}' : tenant), `${c.origin}/${tenant}/${keysPath}`, {
          token_endpoint: `${c.origin}/${tenant}/oauth2/${version === 2 ? 'v2.0/' : ''}token`,
        }),
      };
    },
    header: { typ: 'JWT', x5t: 'x5t-not-checked' },
    // https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference: an app-only
    // (client credentials) token: roles[] of application permissions, azp/azpacr (v2) or appid/appidacr (v1),
    // oid, tid, ver; delegated tokens carry `scp` (space-delimited) instead.
    accessClaims: (c, overrides) => {
      const tid = typeof overrides.tid === 'string' ? overrides.tid : c.tenant;
      const common = { ...NO_RFC9068, aud: c.audience, iss: issuerOf(c, tid), tid, oid: guid(), sub: guid(), uti: 'AbCdEf', rh: '0.AAAA.' };
      return version === 2
        ? { ...common, azp: c.clientId, azpacr: '1', roles: ['Orders.Read.All'], ver: '2.0' }
        : { ...common, appid: c.clientId, appidacr: '1', idp: `${sts(c)}/${tid}/`, roles: ['Orders.Read.All'], ver: '1.0' };
    },
    idClaims: (c) => ({ ...NO_RFC9068, aud: c.clientId, tid: c.tenant, oid: guid(), sub: guid(), ver: version === 2 ? '2.0' : '1.0', nonce: 'n' }),
    presetOptions: (c) => ({
      tenant: c.tenant,
      audience: c.audience,
      version,
      authority: c.origin,
      ...(version === 1 ? { stsAuthority: sts(c) } : {}),
    }),
  };
}

// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html:
// no `aud`; client_id, token_use "access", scope, cognito:groups, username, version 2; the JWKS at
// https://cognito-idp.<region>.amazonaws.com/<userPoolId>/.well-known/jwks.json; the ID token has aud = the
// app client id and token_use "id".
const cognito: Dialect = {
  issuer: (c) => `${c.origin}/${c.tenant}`,
  jwksUri: (c) => `${c.origin}/${c.tenant}/.well-known/jwks.json`,
  discoveryUrl: (c) => `${c.origin}/${c.tenant}/.well-known/openid-configuration`,
  route: (path, c) =>
    fixedRoutes([
      [`/${c.tenant}/.well-known/jwks.json`, 'jwks'],
      [`/${c.tenant}/.well-known/openid-configuration`, () => metadata(`${c.origin}/${c.tenant}`, `${c.origin}/${c.tenant}/.well-known/jwks.json`)],
    ])(path),
  header: { typ: undefined },
  accessClaims: (c) => ({
    ...NO_RFC9068,
    aud: undefined,
    sub: guid(),
    'cognito:groups': ['orders-admin'],
    version: 2,
    client_id: c.clientId,
    origin_jti: guid(),
    event_id: guid(),
    token_use: 'access',
    scope: 'orders-api/read orders-api/write',
    auth_time: Math.floor(Date.now() / 1000),
    jti: guid(),
    username: 'alice',
  }),
  idClaims: (c) => ({
    ...NO_RFC9068,
    aud: c.clientId,
    sub: guid(),
    'cognito:groups': ['orders-admin'],
    'cognito:username': 'alice',
    token_use: 'id',
    email: 'alice@example.com',
    email_verified: true,
    auth_time: Math.floor(Date.now() / 1000),
  }),
  presetOptions: (c) => ({ region: c.tenant.split('_')[0], userPoolId: c.tenant, clientId: c.clientId, baseUrl: c.origin }),
};

// https://www.keycloak.org/securing-apps/oidc-layers (/realms/{realm}/protocol/openid-connect/certs);
// access tokens: typ "Bearer", azp, realm_access.roles, resource_access.<client>.roles, scope; aud names the
// clients whose roles the token carries (the audience resolve mapper); ID tokens have typ "ID".
const keycloak: Dialect = {
  issuer: (c) => `${c.origin}/realms/${c.tenant}`,
  jwksUri: (c) => `${c.origin}/realms/${c.tenant}/protocol/openid-connect/certs`,
  discoveryUrl: (c) => `${c.origin}/realms/${c.tenant}/.well-known/openid-configuration`,
  route: (path, c) => {
    const issuer = `${c.origin}/realms/${c.tenant}`;
    return fixedRoutes([
      [`/realms/${c.tenant}/protocol/openid-connect/certs`, 'jwks'],
      [`/realms/${c.tenant}/.well-known/openid-configuration`, () => metadata(issuer, `${issuer}/protocol/openid-connect/certs`)],
    ])(path);
  },
  header: { typ: 'JWT' },
  accessClaims: (c) => ({
    ...NO_RFC9068,
    jti: guid(),
    aud: [c.audience, 'account'],
    sub: guid(),
    typ: 'Bearer',
    azp: c.clientId,
    acr: '1',
    realm_access: { roles: ['offline_access', 'uma_authorization', 'orders-admin'] },
    resource_access: { [c.audience!]: { roles: ['reader'] }, account: { roles: ['manage-account'] } },
    scope: 'profile email orders:read',
    client_id: c.clientId,
    preferred_username: `service-account-${c.clientId}`,
  }),
  idClaims: (c) => ({ ...NO_RFC9068, jti: guid(), aud: c.clientId, sub: guid(), typ: 'ID', azp: c.clientId, preferred_username: 'alice' }),
  presetOptions: (c) => ({ url: c.origin, realm: c.tenant, client: c.audience }),
};

// https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken (iss is
// https://accounts.google.com or accounts.google.com; keys at https://www.googleapis.com/oauth2/v3/certs) and
// https://cloud.google.com/run/docs/authenticating/service-to-service (an ID token whose aud is the receiving
// service's URL, sent as the bearer token). The issuer strings stay Google's own; only the keys come from here.
const google: Dialect = {
  issuer: () => 'https://accounts.google.com',
  jwksUri: (c) => `${c.origin}/oauth2/v3/certs`,
  discoveryUrl: (c) => `${c.origin}/.well-known/openid-configuration`,
  route: (path, c) =>
    fixedRoutes([
      ['/oauth2/v3/certs', 'jwks'],
      ['/.well-known/openid-configuration', () => metadata('https://accounts.google.com', `${c.origin}/oauth2/v3/certs`)],
    ])(path),
  header: { typ: 'JWT' },
  accessClaims: (c) => ({
    ...NO_RFC9068,
    aud: c.audience,
    azp: '117263497154960386211',
    sub: '117263497154960386211',
    email: 'invoker@orders-project.iam.gserviceaccount.com',
    email_verified: true,
  }),
  presetOptions: (c) => ({ audience: c.audience, jwksUri: `${c.origin}/oauth2/v3/certs` }),
};

// https://docs.github.com/en/actions/reference/security/oidc: iss https://token.actions.githubusercontent.com,
// aud https://github.com/<owner> by default, sub "repo:<owner>/<repo>:…", repository, repository_owner, ref,
// environment; keys at /.well-known/jwks. A GHES issuer is https://HOSTNAME/_services/token.
const githubActions: Dialect = {
  issuer: (c) => c.origin,
  jwksUri: (c) => `${c.origin}/.well-known/jwks`,
  discoveryUrl: (c) => `${c.origin}/.well-known/openid-configuration`,
  route: (path, c) =>
    fixedRoutes([
      ['/.well-known/jwks', 'jwks'],
      ['/.well-known/openid-configuration', () => metadata(c.origin, `${c.origin}/.well-known/jwks`)],
    ])(path),
  header: { typ: 'JWT', x5t: 'x5t-not-checked' },
  accessClaims: (c) => ({
    ...NO_RFC9068,
    jti: guid(),
    aud: c.audience,
    sub: 'repo:octo-org/orders:environment:production',
    ref: 'refs/heads/main',
    sha: 'd6ab0ee5e4c8d5b5d5d3a1f1c0a2e4e0c0f3a9b1',
    repository: 'octo-org/orders',
    repository_owner: 'octo-org',
    repository_id: '74',
    repository_owner_id: '65',
    run_id: '1',
    run_number: '1',
    run_attempt: '1',
    actor: 'octocat',
    workflow: 'deploy',
    event_name: 'push',
    ref_type: 'branch',
    environment: 'production',
    job_workflow_ref: 'octo-org/orders/.github/workflows/deploy.yml@refs/heads/main',
    runner_environment: 'github-hosted',
    nbf: Math.floor(Date.now() / 1000) - 5,
  }),
  presetOptions: (c) => ({ issuer: c.origin, audience: c.audience, owner: 'octo-org' }),
};

// https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#service-account-issuer-discovery
// (/.well-known/openid-configuration and /openid/v1/jwks on the API server, which by default want credentials),
// https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/ (the `kubernetes.io` claim).
const kubernetes: Dialect = {
  issuer: (c) => c.origin,
  jwksUri: (c) => `${c.origin}/openid/v1/jwks`,
  discoveryUrl: (c) => `${c.origin}/.well-known/openid-configuration`,
  route: (path, c) =>
    fixedRoutes([
      ['/openid/v1/jwks', 'jwks'],
      ['/.well-known/openid-configuration', () => metadata(c.origin, `${c.origin}/openid/v1/jwks`, { response_types_supported: ['id_token'] })],
    ])(path),
  header: { typ: undefined },
  protectedDocuments: true,
  accessClaims: (c) => ({
    ...NO_RFC9068,
    jti: guid(),
    aud: [c.audience],
    sub: 'system:serviceaccount:orders:orders-client',
    nbf: Math.floor(Date.now() / 1000),
    'kubernetes.io': {
      namespace: 'orders',
      pod: { name: 'orders-client-7d9f', uid: guid() },
      serviceaccount: { name: 'orders-client', uid: guid() },
      node: { name: 'node-1', uid: guid() },
      warnafter: Math.floor(Date.now() / 1000) + 3600,
    },
  }),
  presetOptions: (c) => ({ issuer: c.origin, audience: c.audience, requestHeaders: { authorization: `Bearer ${c.readerToken}` } }),
};

// https://zitadel.com/docs/apis/openidoauth/claims (JWT access tokens: aud = [project id, client ids], client_id,
// `urn:zitadel:iam:org:project:roles` and `urn:zitadel:iam:org:project:{projectid}:roles`, objects keyed by role
// whose values map org id to org domain); keys at /oauth/v2/keys.
const zitadel: Dialect = {
  issuer: (c) => c.origin,
  jwksUri: (c) => `${c.origin}/oauth/v2/keys`,
  discoveryUrl: (c) => `${c.origin}/.well-known/openid-configuration`,
  route: (path, c) =>
    fixedRoutes([
      ['/oauth/v2/keys', 'jwks'],
      ['/.well-known/openid-configuration', () => metadata(c.origin, `${c.origin}/oauth/v2/keys`)],
    ])(path),
  header: { typ: undefined },
  accessClaims: (c) => {
    const roles = { 'orders-admin': { '2480129': 'acme.zitadel.cloud' } };
    return {
      ...NO_RFC9068,
      jti: guid(),
      aud: [c.tenant, c.clientId],
      client_id: c.clientId,
      sub: '2480130',
      nbf: Math.floor(Date.now() / 1000),
      'urn:zitadel:iam:org:project:roles': roles,
      [`urn:zitadel:iam:org:project:${c.tenant}:roles`]: roles,
    };
  },
  presetOptions: (c) => ({ domain: new URL(c.origin).host, audience: c.tenant, projectId: c.tenant, baseUrl: c.origin }),
};

// https://docs.duendesoftware.com/identityserver/tokens/reference/ and
// https://docs.duendesoftware.com/identityserver/apis/aspnetcore/jwt/: JWT access tokens with `typ: at+jwt`,
// `scope` as a JSON array (EmitScopesAsSpaceDelimitedStringInJwt is off by default), client_id, aud the API
// resource name; keys at /.well-known/openid-configuration/jwks.
const duende: Dialect = {
  issuer: (c) => c.origin,
  jwksUri: (c) => `${c.origin}/.well-known/openid-configuration/jwks`,
  discoveryUrl: (c) => `${c.origin}/.well-known/openid-configuration`,
  route: (path, c) =>
    fixedRoutes([
      ['/.well-known/openid-configuration/jwks', 'jwks'],
      ['/.well-known/openid-configuration', () => metadata(c.origin, `${c.origin}/.well-known/openid-configuration/jwks`)],
    ])(path),
  header: { typ: 'at+jwt' },
  accessClaims: (c) => ({
    ...NO_RFC9068,
    nbf: Math.floor(Date.now() / 1000),
    aud: c.audience,
    client_id: c.clientId,
    jti: randomBytes(16).toString('hex').toUpperCase(),
    scope: ['orders.read', 'orders.write'],
    sub: c.clientId,
  }),
  presetOptions: (c) => ({ authority: c.origin, audience: c.audience }),
};

/** The dialect of each profile. */
export const DIALECTS: Readonly<Record<ProviderProfile, Dialect>> = {
  auth0,
  okta,
  entra: entraDialect(2),
  'entra-v1': entraDialect(1),
  cognito,
  keycloak,
  google,
  'github-actions': githubActions,
  kubernetes,
  zitadel,
  duende,
};
