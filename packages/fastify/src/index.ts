/**
 * `@portcullis/fastify`: the Fastify 5 plugin of Portcullis, OAuth 2.0 bearer access token
 * validation (RFC 6750, RFC 9068) for resource servers.
 */
import { portcullis } from './plugin.js';

export { portcullis };
export { resourceMetadataRoute } from './resource-metadata.js';
export type { FastifyPortcullisOptions, PluginBehaviourOptions, RouteAuthConfig } from './types.js';
// Re-exported so that an app needs only this package to share a verifier and catch its errors
// (the same list in every adapter). Declaring your own claims still goes to '@portcullis/core'.
export {
  createVerifier,
  AuthError,
  InvalidRequestError,
  InvalidTokenError,
  CredentialsRequiredError,
  InsufficientScopeError,
  KeysUnavailableError,
  IntrospectionUnavailableError,
  InvalidDpopProofError,
  UseDpopNonceError,
  ReplayStoreUnavailableError,
  isAuthError,
  createResourceMetadata,
} from '@portcullis/core';
export type { AccessToken, AuthErrorCode, JwtClaims, Verifier, VerifierOptions, ResourceMetadataOptions } from '@portcullis/core';

/**
 * The plugin, also as the default export; see {@link portcullis}.
 *
 * @example
 * ```ts
 * import portcullis from '@portcullis/fastify';
 *
 * await app.register(portcullis, { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * ```
 */
export default portcullis;
