export { requireAuth } from './require-auth.js';
export type { AuthMiddleware, RequireAuthOptions } from './require-auth.js';
export { requireScopes, requireAnyScope } from './require-scopes.js';
export type { Middleware } from './auth-state.js';
export { resourceMetadataHandler } from './resource-metadata.js';
// Re-exported so that an Express app needs only this package to share a verifier and catch its errors.
export {
  createVerifier,
  AuthError,
  InvalidRequestError,
  InvalidTokenError,
  CredentialsRequiredError,
  InsufficientScopeError,
  KeysUnavailableError,
  isAuthError,
  createResourceMetadata,
} from '@portcullis/core';
export type { AccessToken, AuthErrorCode, JwtClaims, Verifier, VerifierOptions, ResourceMetadataOptions } from '@portcullis/core';
