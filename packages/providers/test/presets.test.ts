import { describe, expect, it } from 'vitest';
import { auth0, cognito, duende, entra, githubActions, google, keycloak, kubernetes, okta, zitadel } from '../src/index.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('presets: what the console shows becomes plain verifier options', () => {
  it('auth0: issuer with its trailing slash, the JWKS, permissions as scopes', () => {
    expect(auth0({ domain: 'acme.us.auth0.com', audience: 'https://orders.example.com' })).toEqual({
      issuer: [{ issuer: 'https://acme.us.auth0.com/', jwksUri: 'https://acme.us.auth0.com/.well-known/jwks.json', audience: 'https://orders.example.com', scopeClaims: ['permissions'] }],
    });
    expect(auth0({ domain: 'acme.us.auth0.com', audience: 'a', rolesClaim: 'https://acme.example/roles' }).issuer[0]!.roleClaims).toEqual(['https://acme.example/roles']);
  });

  it('okta: a custom authorization server; the org server is refused', () => {
    expect(okta({ issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' }).issuer[0]).toEqual({
      issuer: 'https://acme.okta.com/oauth2/default',
      jwksUri: 'https://acme.okta.com/oauth2/default/v1/keys',
      audience: 'api://default',
      roleClaims: ['groups'],
    });
    expect(() => okta({ issuer: 'https://acme.okta.com', audience: 'api://default' })).toThrow(/okta\(\) option "issuer".*org authorization server/);
  });

  it('entra: single tenant v2 and v1, multi-tenant templates with their tenants', () => {
    expect(entra({ tenant: TENANT, audience: 'app' }).issuer[0]).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      roleClaims: ['roles'],
    });
    expect(entra({ tenant: TENANT, audience: 'api://orders', version: 1 }).issuer[0]).toMatchObject({
      issuer: `https://sts.windows.net/${TENANT}/`,
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/keys`,
    });
    expect(entra({ tenant: 'organizations', audience: 'app', tenants: 'any' }).issuer[0]).toMatchObject({
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      jwksUri: 'https://login.microsoftonline.com/organizations/discovery/v2.0/keys',
      tenants: 'any',
    });
    expect(entra({ tenant: 'common', audience: 'app', tenants: [TENANT], authority: 'https://login.microsoftonline.us' }).issuer[0]!.issuer).toBe(
      'https://login.microsoftonline.us/{tenantid}/v2.0',
    );
  });

  it('error flow: entra refuses a multi-tenant app without tenants, tenants on a single tenant, and domain names', () => {
    expect(() => entra({ tenant: 'common', audience: 'app' })).toThrow(/entra\(\) option "tenants" is required/);
    expect(() => entra({ tenant: TENANT, audience: 'app', tenants: [TENANT] })).toThrow(/option "tenants" applies only/);
    expect(() => entra({ tenant: 'contoso.onmicrosoft.com', audience: 'app' })).toThrow(/option "tenant"/);
    expect(() => entra({ tenant: 'common', audience: 'app', tenants: ['contoso'] })).toThrow(/option "tenants" must be/);
    expect(() => entra({ tenant: TENANT, audience: 'app', version: 3 as 2 })).toThrow(/option "version"/);
  });

  it('cognito: client_id stands in for aud, token_use must be access, groups are roles', () => {
    expect(cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', clientIds: ['a', 'b'] }).issuer[0]).toEqual({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json',
      audienceClaim: { claim: 'client_id', values: ['a', 'b'] },
      requiredClaimValues: { token_use: 'access' },
      roleClaims: ['cognito:groups'],
    });
  });

  it('error flow: cognito names the wrong option', () => {
    expect(() => cognito({ region: 'eu-west-1', userPoolId: 'us-east-1_AbC123', clientId: 'a' })).toThrow(/option "userPoolId" is in region us-east-1/);
    expect(() => cognito({ region: 'Ireland', userPoolId: 'eu-west-1_AbC123', clientId: 'a' })).toThrow(/option "region"/);
    expect(() => cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123' } as never)).toThrow(/option "clientId" is required/);
    expect(() => cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', clientId: 'a', clientIds: ['b'] } as never)).toThrow(/option "clientIds"/);
    expect(() => cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', clientIds: [] })).toThrow(/option "clientIds"/);
  });

  it('keycloak: realm and client roles, typ Bearer, audience defaulting to the client', () => {
    expect(keycloak({ url: 'https://sso.example.com/', realm: 'acme', client: 'orders-api' }).issuer[0]).toEqual({
      issuer: 'https://sso.example.com/realms/acme',
      jwksUri: 'https://sso.example.com/realms/acme/protocol/openid-connect/certs',
      audience: 'orders-api',
      roleClaims: ['realm_access.roles', ['resource_access', 'orders-api', 'roles']],
      requiredClaimValues: { typ: 'Bearer' },
    });
    expect(keycloak({ url: 'https://sso.example.com', realm: 'acme', audience: 'x', realmRoles: false }).issuer[0]!.roleClaims).toEqual([]);
    expect(() => keycloak({ url: 'https://sso.example.com', realm: 'acme' })).toThrow(/keycloak\(\) option "audience" is required unless client/);
  });

  it("google: both of Google's issuer spellings, sharing Google's keys", () => {
    expect(google({ audience: 'https://svc.a.run.app' }).issuer.map((entry) => [entry.issuer, entry.jwksUri])).toEqual([
      ['https://accounts.google.com', 'https://www.googleapis.com/oauth2/v3/certs'],
      ['accounts.google.com', 'https://www.googleapis.com/oauth2/v3/certs'],
    ]);
  });

  it('githubActions: the owner default audience and the required claim values; the issuer alone is refused', () => {
    expect(githubActions({ repository: 'octo-org/orders', ref: 'refs/heads/main', environment: 'production' }).issuer[0]).toEqual({
      issuer: 'https://token.actions.githubusercontent.com',
      jwksUri: 'https://token.actions.githubusercontent.com/.well-known/jwks',
      audience: 'https://github.com/octo-org',
      requiredClaimValues: { repository_owner: 'octo-org', repository: 'octo-org/orders', ref: 'refs/heads/main', environment: 'production' },
    });
    expect(() => githubActions({ audience: 'x' })).toThrow(/githubActions\(\) option "repository" or owner is required/);
    expect(() => githubActions({ owner: 'a', repository: 'b/c' })).toThrow(/not a repository of owner a/);
    expect(() => githubActions({ repository: 'octo-org/orders', ref: 'main' })).toThrow(/option "ref"/);
  });

  it('kubernetes: the issuer as configured, optional jwksUri and request headers', () => {
    const headers = () => ({ authorization: 'Bearer x' });
    expect(kubernetes({ issuer: 'https://kubernetes.default.svc.cluster.local', audience: 'orders', requestHeaders: headers }).issuer[0]).toEqual({
      issuer: 'https://kubernetes.default.svc.cluster.local',
      audience: 'orders',
      requestHeaders: headers,
    });
    expect(() => kubernetes({ issuer: 'https://k', audience: 'a', requestHeaders: 'Bearer x' as never })).toThrow(/option "requestHeaders"/);
  });

  it('zitadel: the project roles claims, audience defaulting to the project id', () => {
    expect(zitadel({ domain: 'acme.zitadel.cloud', projectId: '42' }).issuer[0]).toEqual({
      issuer: 'https://acme.zitadel.cloud',
      jwksUri: 'https://acme.zitadel.cloud/oauth/v2/keys',
      audience: '42',
      roleClaims: ['urn:zitadel:iam:org:project:42:roles', 'urn:zitadel:iam:org:project:roles'],
    });
  });

  it('duende: the jwks under the discovery path, role claims', () => {
    expect(duende({ authority: 'https://identity.example.com/', audience: 'orders-api' }).issuer[0]).toEqual({
      issuer: 'https://identity.example.com',
      jwksUri: 'https://identity.example.com/.well-known/openid-configuration/jwks',
      audience: 'orders-api',
      roleClaims: ['role'],
    });
  });

  it('error flow: a domain with its scheme, an unknown option, a missing audience are TypeErrors naming them', () => {
    expect(() => auth0({ domain: 'https://acme.us.auth0.com/', audience: 'a' })).toThrow(/auth0\(\) option "domain" is a host name without the scheme: "acme.us.auth0.com"/);
    expect(() => auth0({ domain: 'acme.us.auth0.com', audience: 'a', issuer: 'x' } as never)).toThrow(/auth0\(\) option "issuer" is not an option/);
    expect(() => auth0({ domain: 'acme.us.auth0.com' } as never)).toThrow(/auth0\(\) option "audience"/);
    expect(() => auth0({ domain: 'acme.us.auth0.com', audience: 'a', rolesClaim: 'roles' })).toThrow(/option "rolesClaim" must be a namespaced claim/);
    expect(() => zitadel({ domain: 'acme.zitadel.cloud' })).toThrow(/zitadel\(\) option "audience"/);
    expect(() => google({ audience: 'a', jwksUri: 'ftp://x' })).toThrow(/google\(\) option "jwksUri"/);
    expect(() => okta(undefined as never)).toThrow(/okta\(\) takes an options object/);
  });
});
