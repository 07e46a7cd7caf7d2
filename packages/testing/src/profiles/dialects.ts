/**
 * The identity providers whose dialect {@link startFakeIssuer} speaks with `{ profile }`.
 *
 * @example
 * ```ts
 * const profile: ProviderProfile = 'cognito';
 * const issuer = await startFakeIssuer({ profile });
 * ```
 */
export type ProviderProfile =
  | 'auth0'
  | 'okta'
  | 'entra'
  | 'entra-v1'
  | 'cognito'
  | 'keycloak'
  | 'google'
  | 'github-actions'
  | 'kubernetes'
  | 'zitadel'
  | 'duende';

/**
 * What `presetOptions` holds per profile: the options of the matching `@portcullis/providers` preset,
 * pointed at the fake, so that `cognito(issuer.presetOptions)` type-checks as it is.
 *
 * @example
 * ```ts
 * const options: ProfilePresetOptions['cognito'] = pool.presetOptions;
 * ```
 */
export interface ProfilePresetOptions {
  auth0: { domain: string; audience: string; baseUrl: string };
  okta: { issuer: string; audience: string };
  entra: { tenant: string; audience: string; version: 2; authority: string };
  'entra-v1': { tenant: string; audience: string; version: 1; authority: string; stsAuthority: string };
  cognito: { region: string; userPoolId: string; clientId: string; baseUrl: string };
  keycloak: { url: string; realm: string; client: string };
  google: { audience: string; jwksUri: string };
  'github-actions': { issuer: string; audience: string; owner: string };
  kubernetes: { issuer: string; audience: string; requestHeaders: Readonly<Record<string, string>> };
  zitadel: { domain: string; audience: string; projectId: string; baseUrl: string };
  duende: { authority: string; audience: string };
}

/**
 * Every {@link ProviderProfile}, in the order the README lists them.
 *
 * @example
 * ```ts
 * for (const profile of PROVIDER_PROFILES) await (await startFakeIssuer({ profile })).close();
 * ```
 */
export const PROVIDER_PROFILES: readonly ProviderProfile[] = [
  'auth0',
  'okta',
  'entra',
  'entra-v1',
  'cognito',
  'keycloak',
  'google',
  'github-actions',
  'kubernetes',
  'zitadel',
  'duende',
];

/** The identifiers a provider's console shows, made up once per fake issuer. */
export interface DialectContext {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The API's audience as the provider writes it (absent for Cognito). */
  readonly audience: string | undefined;
  /** The calling application's client id. */
  readonly clientId: string;
  /** Entra: the home tenant id (a GUID). Cognito: the user pool id. Keycloak: the realm. ZITADEL: the project id. */
  readonly tenant: string;
  /** Kubernetes: the bearer token the JWKS and discovery endpoints demand. */
  readonly readerToken: string;
}

/** What a path of the fake answers: the JWKS, or a metadata document. */
export type DialectRoute = { readonly kind: 'jwks' } | { readonly kind: 'metadata'; readonly document: Record<string, unknown> };

/**
 * How one provider writes its tokens and where it publishes its keys. Claims are the full default
 * payload: {@link mintToken}'s RFC 9068 defaults the provider does not write are deleted.
 */
export interface Dialect {
  /** The issuer identifier of tokens of the home tenant / pool / realm. */
  issuer(context: DialectContext): string;
  /** The JWKS URL the matching preset derives. */
  jwksUri(context: DialectContext): string;
  /** The discovery URL (OpenID Connect) of the home tenant. */
  discoveryUrl(context: DialectContext): string;
  /** What a request path answers, or undefined for a 404. */
  route(path: string, context: DialectContext): DialectRoute | undefined;
  /** Extra JOSE header members (`typ` as the provider writes it; `undefined` deletes). */
  readonly header: Readonly<Record<string, unknown>>;
  /** The access token's claims, before the test's overrides. */
  accessClaims(context: DialectContext, overrides: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** The provider's ID token claims (a token that is not for the API), when it issues one apart. */
  idClaims?(context: DialectContext): Record<string, unknown>;
  /** The options of the matching `@portcullis/providers` preset, pointed at this fake. */
  presetOptions(context: DialectContext): Record<string, unknown>;
  /** Discovery and JWKS need `Authorization: Bearer <readerToken>` (Kubernetes). */
  readonly protectedDocuments?: boolean;
}

/** The default audience and tenant-like identifiers of a profile. */
export function defaultIdentifiers(profile: ProviderProfile): { audience: string | undefined; tenant: string } {
  switch (profile) {
    case 'entra':
      return { audience: 'b7e5d1c2-3f4a-4b6c-8d9e-0a1b2c3d4e5f', tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47' };
    case 'entra-v1':
      return { audience: 'api://orders', tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47' };
    case 'cognito':
      return { audience: undefined, tenant: 'us-east-1_Fake0Pool' };
    case 'keycloak':
      return { audience: 'orders-api', tenant: 'acme' };
    case 'okta':
      return { audience: 'api://default', tenant: 'default' };
    case 'google':
      return { audience: 'https://orders-abc123-uc.a.run.app', tenant: '' };
    case 'github-actions':
      return { audience: 'https://github.com/octo-org', tenant: '' };
    case 'kubernetes':
      return { audience: 'https://orders.example.com', tenant: '' };
    case 'duende':
      return { audience: 'orders-api', tenant: '' };
    case 'zitadel':
      return { audience: '245938271539183620', tenant: '245938271539183620' };
    default:
      return { audience: 'https://api.example.com', tenant: '' };
  }
}
