export { requireAuth } from './require-auth.js';
export type { AuthEnv, OptionalAuthEnv, AuthMiddleware, RequireAuthOptions } from './require-auth.js';
export { requireScopes, requireAnyScope, requireRoles, requireAnyRole, requireClaims } from './require-scopes.js';
export { resourceMetadataHandler } from './resource-metadata.js';
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
export type { AccessToken, AuthErrorCode, JwtClaims, Verifier, VerifierOptions, ResourceMetadataOptions, ClaimRequirement } from '@portcullis/core';
