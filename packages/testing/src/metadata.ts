import { DPOP_PROOF_ALGORITHMS } from './dpop.js';
import type { ClientRegistration } from './types.js';

/**
 * The URLs of an issuer, derived from its origin and path.
 *
 * @example
 * ```ts
 * const urls = issuerUrls('http://127.0.0.1:9000', '/realms/demo');
 * urls.metadataUrl; // 'http://127.0.0.1:9000/.well-known/oauth-authorization-server/realms/demo'
 * ```
 */
export interface IssuerUrls {
  readonly url: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
  readonly revocationEndpoint: string;
  /**
   * Listed because RFC 8414 clients (the MCP SDK's among them) require the member; this
   * client-credentials-only server answers it with an RFC 6749 error, never a redirect.
   */
  readonly authorizationEndpoint: string;
  readonly metadataUrl: string;
  readonly openidConfigurationUrl: string;
}

/**
 * Checks `issuerPath` once: empty, or a path that starts with `/` without query, fragment, `..` or `.`
 * segments or characters that need escaping.
 *
 * @example
 * ```ts
 * validateIssuerPath('/realms/demo'); // ok
 * validateIssuerPath('realms');       // TypeError naming issuerPath
 * ```
 */
export function validateIssuerPath(issuerPath: string): void {
  if (issuerPath === '') return;
  const valid =
    /^(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]*)+$/.test(issuerPath) &&
    !issuerPath.split('/').some((segment) => segment === '.' || segment === '..');
  if (!valid) {
    throw new TypeError(`FakeIssuerOptions.issuerPath must be '' or an absolute path like '/realms/demo', got "${issuerPath}"`);
  }
}

/**
 * The issuer identifier and every endpoint URL. Endpoints live under the issuer; the RFC 8414 URL puts
 * `/.well-known/oauth-authorization-server` between origin and path (§3.1), and the OpenID Connect URL
 * appends `/.well-known/openid-configuration` to the issuer; both drop a trailing `/` of the path first.
 *
 * @example
 * ```ts
 * issuerUrls('http://127.0.0.1:9000', '/').url; // 'http://127.0.0.1:9000/'
 * ```
 */
export function issuerUrls(origin: string, issuerPath: string): IssuerUrls {
  const trimmedPath = issuerPath.replace(/\/+$/, '');
  const base = `${origin}${trimmedPath}`;
  return {
    url: `${origin}${issuerPath}`,
    jwksUri: `${base}/jwks.json`,
    tokenEndpoint: `${base}/token`,
    introspectionEndpoint: `${base}/introspect`,
    revocationEndpoint: `${base}/revoke`,
    authorizationEndpoint: `${base}/authorize`,
    metadataUrl: `${origin}/.well-known/oauth-authorization-server${trimmedPath}`,
    openidConfigurationUrl: `${base}/.well-known/openid-configuration`,
  };
}

/**
 * The authorization server metadata (RFC 8414 §2), served at both metadata URLs. OpenID-only members
 * (`subject_types_supported`, `id_token_signing_alg_values_supported`) are included so OIDC discovery
 * clients accept it.
 *
 * @example
 * ```ts
 * const document = metadataDocument(urls, clients.values());
 * document.issuer === urls.url; // true
 * ```
 */
export function metadataDocument(urls: IssuerUrls, clients: Iterable<ClientRegistration>): Record<string, unknown> {
  const scopes = new Set<string>();
  for (const client of clients) for (const scope of client.scopes) scopes.add(scope);
  return {
    issuer: urls.url,
    jwks_uri: urls.jwksUri,
    token_endpoint: urls.tokenEndpoint,
    authorization_endpoint: urls.authorizationEndpoint,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint: urls.introspectionEndpoint,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // RFC 9701 §7: the algorithms of signed introspection responses.
    introspection_signing_alg_values_supported: ['RS256'],
    // RFC 9449 §5.1: the token endpoint takes DPoP proofs signed with these, and no others.
    dpop_signing_alg_values_supported: [...DPOP_PROOF_ALGORITHMS],
    revocation_endpoint: urls.revocationEndpoint,
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: [],
    scopes_supported: [...scopes],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}
