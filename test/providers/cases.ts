/**
 * The provider matrix: for every preset, tokens shaped as that provider documents them (the page is cited
 * next to each shape), minted by the fake issuer's profile of that provider, the preset configured as the
 * providers README says and pointed at the fake by its documented override.
 */
import type { ProviderOptions } from '@portcullis/providers';
import { auth0, cognito, duende, entra, githubActions, google, keycloak, kubernetes, okta, zitadel } from '@portcullis/providers';
import type { ProviderIssuer, ProviderProfile } from '@portcullis/testing';
import type { RouteNeeds } from './apps.js';

type Mint = (issuer: ProviderIssuer) => string;

export interface ProviderCase {
  name: string;
  profile: ProviderProfile;
  /** The provider's documentation of the token shape. */
  docs: readonly string[];
  /** The preset, as the README configures it, pointed at the fake. */
  options(issuer: ProviderIssuer): ProviderOptions;
  needs: RouteNeeds;
  /** A token with everything the routes need. */
  good: Mint;
  /** What the handler must see for `good`. */
  expected(issuer: ProviderIssuer): { clientId: string | null; scopes: readonly string[]; roles: readonly string[] };
  /** Other tokens the provider issues that the API must accept. */
  alsoAccepted: Readonly<Record<string, Mint>>;
  /** Undefined where the provider's tokens carry no scopes (or no roles). */
  withoutScope: Mint | undefined;
  withoutRole: Mint | undefined;
  failingClaims: Mint;
  /** Tokens of the provider that are not for this API: 401 invalid_token. */
  refused: Readonly<Record<string, Mint>>;
}

/** A second Entra tenant the multi-tenant API serves, and one it does not. */
export const ALLOWED_TENANT = '3c4d5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
export const FOREIGN_TENANT = 'deadbeef-0000-4000-8000-000000000000';

const AUTH0_ROLES = 'https://portcullis.example/roles';

export const CASES: readonly ProviderCase[] = [
  {
    name: 'auth0',
    profile: 'auth0',
    // Auth0 token profile: iss with trailing slash, aud, azp, scope; RBAC adds `permissions`; roles only through
    // an Action's namespaced claim.
    docs: [
      'https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles',
      'https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis',
      'https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims',
    ],
    options: (issuer) => auth0({ ...(issuer.presetOptions as { domain: string; audience: string }), rolesClaim: AUTH0_ROLES }),
    needs: { scope: 'orders:read', role: 'orders-admin', claims: { gty: 'client-credentials' } },
    good: (issuer) => issuer.mint({ [AUTH0_ROLES]: ['orders-admin'] }),
    expected: (issuer) => ({ clientId: issuer.clientId, scopes: ['orders:read', 'orders:write'], roles: ['orders-admin'] }),
    alsoAccepted: {
      'the RFC 9068 profile (client_id, typ at+jwt)': (issuer) =>
        issuer.mint({ azp: undefined, client_id: issuer.clientId, jti: 'j1', [AUTH0_ROLES]: ['orders-admin'] }, { header: { typ: 'at+jwt' } }),
      'RBAC permissions only (no scope claim)': (issuer) => issuer.mint({ scope: undefined, [AUTH0_ROLES]: ['orders-admin'] }),
    },
    withoutScope: (issuer) => issuer.mint({ scope: 'orders:write', permissions: ['orders:write'], [AUTH0_ROLES]: ['orders-admin'] }),
    withoutRole: (issuer) => issuer.mint(),
    failingClaims: (issuer) => issuer.mint({ gty: 'password', [AUTH0_ROLES]: ['orders-admin'] }),
    refused: {
      'a token for another API': (issuer) => issuer.mint({ aud: 'https://billing.example.com' }),
      'the ID token': (issuer) => issuer.mintIdToken(),
      'an issuer without the trailing slash': (issuer) => issuer.mint({ iss: issuer.origin }),
    },
  },
  {
    name: 'okta (custom authorization server)',
    profile: 'okta',
    // ver, jti "AT.…", cid, uid, scp as a JSON array, aud "api://default"; a Groups claim when added.
    docs: [
      'https://developer.okta.com/docs/guides/validate-access-tokens/',
      'https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/',
      'https://developer.okta.com/docs/guides/customize-tokens-groups-claim/',
    ],
    options: (issuer) => okta(issuer.presetOptions as { issuer: string; audience: string }),
    needs: { scope: 'orders:read', role: 'orders-admin', claims: { scp: { includes: 'orders:write' } } },
    good: (issuer) => issuer.mint({ groups: ['orders-admin'] }),
    expected: (issuer) => ({ clientId: issuer.clientId, scopes: ['orders:read', 'orders:write'], roles: ['orders-admin'] }),
    alsoAccepted: { 'a user token (uid)': (issuer) => issuer.mint({ uid: '00uid4BxXw6I6TV4m0g3', sub: 'alice@example.com', groups: ['orders-admin'] }) },
    withoutScope: (issuer) => issuer.mint({ scp: ['orders:write'], groups: ['orders-admin'] }),
    withoutRole: (issuer) => issuer.mint({ groups: ['everyone'] }),
    failingClaims: (issuer) => issuer.mint({ scp: ['orders:read'], groups: ['orders-admin'] }),
    refused: {
      'a token of another authorization server audience': (issuer) => issuer.mint({ aud: 'api://billing' }),
      'the ID token': (issuer) => issuer.mintIdToken(),
    },
  },
  {
    name: 'entra v2 (multi-tenant, two tenants allowed)',
    profile: 'entra',
    // v2 access token: iss https://login.microsoftonline.com/{tid}/v2.0, tid, azp/azpacr, scp (delegated,
    // space-delimited), roles (app roles), ver "2.0"; multi-tenant metadata names the {tenantid} template.
    docs: [
      'https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference',
      'https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-tokens',
      'https://learn.microsoft.com/en-us/entra/identity-platform/howto-convert-app-to-be-multi-tenant',
    ],
    options: (issuer) =>
      entra({
        ...(issuer.presetOptions as { audience: string; authority: string }),
        tenant: 'organizations',
        tenants: [issuer.tenant, ALLOWED_TENANT],
      }),
    needs: { scope: 'Orders.Read', role: 'Orders.Admin', claims: { azpacr: '2' } },
    good: (issuer) => issuer.mint({ scp: 'Orders.Read Orders.Write', roles: ['Orders.Admin'], azpacr: '2' }),
    expected: (issuer) => ({ clientId: issuer.clientId, scopes: ['Orders.Read', 'Orders.Write'], roles: ['Orders.Admin'] }),
    alsoAccepted: {
      'a token of the other allowed tenant': (issuer) => issuer.mint({ tid: ALLOWED_TENANT }),
      'an app-only token (roles, no scp)': (issuer) => issuer.mint(),
    },
    withoutScope: (issuer) => issuer.mint({ scp: 'Orders.Write', roles: ['Orders.Admin'] }),
    withoutRole: (issuer) => issuer.mint({ scp: 'Orders.Read', roles: ['Orders.Read.All'] }),
    failingClaims: (issuer) => issuer.mint({ scp: 'Orders.Read', roles: ['Orders.Admin'], azpacr: '1' }),
    refused: {
      'a token of a tenant not allowed': (issuer) => issuer.mint({ tid: FOREIGN_TENANT }),
      "a tid that is not the issuer's tenant": (issuer) => issuer.mint({ tid: ALLOWED_TENANT, iss: issuer.url }),
      'a token for another API': (issuer) => issuer.mint({ aud: '00000003-0000-0000-c000-000000000000' }),
      'the ID token': (issuer) => issuer.mintIdToken(),
    },
  },
  {
    name: 'entra v1 (single tenant)',
    profile: 'entra-v1',
    // v1 access token: iss https://sts.windows.net/{tid}/, appid/appidacr, aud the Application ID URI, ver "1.0".
    docs: ['https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference'],
    options: (issuer) => entra(issuer.presetOptions as { tenant: string; audience: string }),
    needs: { scope: 'Orders.Read', role: 'Orders.Admin', claims: { appidacr: '2' } },
    good: (issuer) => issuer.mint({ scp: 'Orders.Read', roles: ['Orders.Admin'], appidacr: '2' }),
    expected: (issuer) => ({ clientId: issuer.clientId, scopes: ['Orders.Read'], roles: ['Orders.Admin'] }),
    alsoAccepted: {},
    withoutScope: (issuer) => issuer.mint({ scp: 'Orders.Write', roles: ['Orders.Admin'] }),
    withoutRole: (issuer) => issuer.mint({ scp: 'Orders.Read' }),
    failingClaims: (issuer) => issuer.mint({ scp: 'Orders.Read', roles: ['Orders.Admin'] }),
    refused: {
      'a token of another tenant': (issuer) => issuer.mint({ tid: FOREIGN_TENANT }),
      'a token for another API': (issuer) => issuer.mint({ aud: 'https://graph.microsoft.com' }),
    },
  },
  {
    name: 'cognito',
    profile: 'cognito',
    // Access token: no aud; client_id, token_use "access", scope, cognito:groups, username. ID token: aud,
    // token_use "id".
    docs: [
      'https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html',
      'https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html',
      'https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html',
    ],
    options: (issuer) => cognito(issuer.presetOptions as { region: string; userPoolId: string; clientId: string }),
    needs: { scope: 'orders-api/read', role: 'orders-admin', claims: { username: 'alice' } },
    good: (issuer) => issuer.mint(),
    expected: (issuer) => ({ clientId: issuer.clientId, scopes: ['orders-api/read', 'orders-api/write'], roles: ['orders-admin'] }),
    alsoAccepted: {},
    withoutScope: (issuer) => issuer.mint({ scope: 'orders-api/write' }),
    withoutRole: (issuer) => issuer.mint({ 'cognito:groups': undefined }),
    failingClaims: (issuer) => issuer.mint({ username: 'bob' }),
    refused: {
      'the ID token': (issuer) => issuer.mintIdToken(),
      'an access token of another app client': (issuer) => issuer.mint({ client_id: '7abcdefghijklmnopqrstu1234' }),
      'token_use "id" with a client_id': (issuer) => issuer.mint({ token_use: 'id' }),
    },
  },
  {
    name: 'keycloak',
    profile: 'keycloak',
    // typ "Bearer", azp, realm_access.roles, resource_access.<client>.roles, scope; keys at
    // /realms/{realm}/protocol/openid-connect/certs.
    docs: [
      'https://www.keycloak.org/securing-apps/oidc-layers',
      'https://www.keycloak.org/docs/latest/server_admin/#_audience',
      'https://www.keycloak.org/docs/latest/server_admin/#_role_scope_mappings',
    ],
    options: (issuer) => keycloak(issuer.presetOptions as { url: string; realm: string; client: string }),
    needs: { scope: 'orders:read', role: 'reader', claims: { 'realm_access.roles': { includes: 'orders-admin' } } },
    good: (issuer) => issuer.mint(),
    expected: (issuer) => ({
      clientId: issuer.clientId,
      scopes: ['profile', 'email', 'orders:read'],
      roles: ['offline_access', 'uma_authorization', 'orders-admin', 'reader'],
    }),
    alsoAccepted: {},
    withoutScope: (issuer) => issuer.mint({ scope: 'profile email' }),
    withoutRole: (issuer) => issuer.mint({ resource_access: { account: { roles: ['manage-account'] } } }),
    failingClaims: (issuer) => issuer.mint({ realm_access: { roles: ['offline_access'] } }),
    refused: {
      'the ID token': (issuer) => issuer.mintIdToken(),
      'a token only for the account console': (issuer) => issuer.mint({ aud: 'account' }),
      'a refresh-typed token': (issuer) => issuer.mint({ typ: 'Refresh' }),
    },
  },
  {
    name: 'google (ID tokens as bearer tokens)',
    profile: 'google',
    // An ID token from the metadata server / gcloud: iss https://accounts.google.com (or accounts.google.com),
    // aud = the receiving service, azp, email, email_verified.
    docs: [
      'https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken',
      'https://cloud.google.com/run/docs/authenticating/service-to-service',
      'https://cloud.google.com/docs/authentication/token-types#identity-tokens',
    ],
    options: (issuer) => google(issuer.presetOptions as { audience: string; jwksUri: string }),
    needs: { scope: 'unused', role: 'unused', claims: { email: 'invoker@orders-project.iam.gserviceaccount.com' } },
    good: (issuer) => issuer.mint(),
    expected: () => ({ clientId: '117263497154960386211', scopes: [], roles: [] }),
    alsoAccepted: { 'the legacy issuer spelling accounts.google.com': (issuer) => issuer.mint({ iss: 'accounts.google.com' }) },
    withoutScope: undefined,
    withoutRole: undefined,
    failingClaims: (issuer) => issuer.mint({ email: 'intruder@elsewhere.iam.gserviceaccount.com' }),
    refused: {
      'a token for another service': (issuer) => issuer.mint({ aud: 'https://billing-xyz-uc.a.run.app' }),
      'an issuer that only starts like Google': (issuer) => issuer.mint({ iss: 'https://accounts.google.com.evil.example' }),
    },
  },
  {
    name: 'github actions',
    profile: 'github-actions',
    // iss https://token.actions.githubusercontent.com, aud https://github.com/<owner> by default, repository,
    // repository_owner, ref, environment, job_workflow_ref.
    docs: ['https://docs.github.com/en/actions/reference/security/oidc'],
    options: (issuer) => githubActions({ ...(issuer.presetOptions as { issuer: string }), repository: 'octo-org/orders' }),
    needs: { scope: 'unused', role: 'unused', claims: { environment: 'production', ref: 'refs/heads/main' } },
    good: (issuer) => issuer.mint(),
    expected: () => ({ clientId: null, scopes: [], roles: [] }),
    alsoAccepted: {},
    withoutScope: undefined,
    withoutRole: undefined,
    failingClaims: (issuer) => issuer.mint({ environment: 'staging' }),
    refused: {
      'a token of another repository of the owner': (issuer) => issuer.mint({ repository: 'octo-org/other' }),
      'a token of another owner': (issuer) => issuer.mint({ repository_owner: 'evil-org', repository: 'evil-org/orders' }),
      'a token for another audience': (issuer) => issuer.mint({ aud: 'sts.amazonaws.com' }),
    },
  },
  {
    name: 'kubernetes (discovery and JWKS behind credentials)',
    profile: 'kubernetes',
    // Projected service-account token: aud list, sub system:serviceaccount:<ns>:<name>, `kubernetes.io` with
    // namespace, pod, serviceaccount, node, warnafter.
    docs: [
      'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/',
      'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#service-account-issuer-discovery',
    ],
    options: (issuer) => kubernetes(issuer.presetOptions as { issuer: string; audience: string }),
    needs: {
      scope: 'unused',
      role: 'unused',
      claims: (claims) => (claims['kubernetes.io'] as { namespace?: unknown } | undefined)?.namespace === 'orders',
    },
    good: (issuer) => issuer.mint(),
    expected: () => ({ clientId: null, scopes: [], roles: [] }),
    alsoAccepted: {},
    withoutScope: undefined,
    withoutRole: undefined,
    failingClaims: (issuer) => issuer.mint({ 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'default', uid: 'u' } } }),
    refused: {
      "a token for the API server's own audience": (issuer) => issuer.mint({ aud: ['https://kubernetes.default.svc.cluster.local'] }),
    },
  },
  {
    name: 'zitadel',
    profile: 'zitadel',
    // JWT access token: aud [project id, client id], client_id, urn:zitadel:iam:org:project:roles (and the
    // project's own claim) as objects keyed by role.
    docs: ['https://zitadel.com/docs/apis/openidoauth/claims', 'https://zitadel.com/docs/guides/integrate/retrieve-user-roles'],
    options: (issuer) => zitadel(issuer.presetOptions as { domain: string; projectId: string; baseUrl: string }),
    needs: { scope: 'unused', role: 'orders-admin', claims: { client_id: '245938306314153988@orders' } },
    good: (issuer) => issuer.mint(),
    expected: (issuer) => ({ clientId: issuer.clientId, scopes: [], roles: ['orders-admin'] }),
    alsoAccepted: {},
    withoutScope: undefined,
    withoutRole: (issuer) =>
      issuer.mint({
        'urn:zitadel:iam:org:project:roles': { viewer: { '2480129': 'acme' } },
        [`urn:zitadel:iam:org:project:${issuer.tenant}:roles`]: { viewer: { '2480129': 'acme' } },
      }),
    failingClaims: (issuer) => issuer.mint({ client_id: 'someone-else@orders', aud: [issuer.tenant] }),
    refused: { 'a token of another project': (issuer) => issuer.mint({ aud: ['999999999999999999'] }) },
  },
  {
    name: 'duende identityserver (scope as a JSON array)',
    profile: 'duende',
    // typ at+jwt, scope as a JSON array (the default), client_id, aud the API resource name.
    docs: ['https://docs.duendesoftware.com/identityserver/tokens/reference/', 'https://docs.duendesoftware.com/identityserver/apis/aspnetcore/jwt/'],
    options: (issuer) => duende(issuer.presetOptions as { authority: string; audience: string }),
    needs: { scope: 'orders.read', role: 'orders-admin', claims: { scope: { includes: 'orders.write' } } },
    good: (issuer) => issuer.mint({ role: 'orders-admin' }),
    expected: (issuer) => ({ clientId: issuer.clientId, scopes: ['orders.read', 'orders.write'], roles: ['orders-admin'] }),
    alsoAccepted: { 'scope as a space-delimited string': (issuer) => issuer.mint({ scope: 'orders.read' }) },
    withoutScope: (issuer) => issuer.mint({ scope: ['orders.write'], role: 'orders-admin' }),
    withoutRole: (issuer) => issuer.mint({ role: ['viewer'] }),
    failingClaims: (issuer) => issuer.mint({ scope: ['orders.read'], role: 'orders-admin' }),
    refused: { 'a token for another API resource': (issuer) => issuer.mint({ aud: 'billing-api' }) },
  },
];
