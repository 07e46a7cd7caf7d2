export { requireAuth } from './require-auth.js';
export type { AuthMiddleware, RequireAuthOptions } from './require-auth.js';
export { requireScopes, requireAnyScope } from './require-scopes.js';
export type { Middleware } from './auth-state.js';
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
  isAuthError,
} from '@portcullis/core';
export type { AccessToken, AuthErrorCode, JwtClaims, Verifier, VerifierOptions } from '@portcullis/core';
