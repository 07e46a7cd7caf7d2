export { withAuth } from './with-auth.js';
export type { AuthenticatedHandler } from './with-auth.js';
export { authenticate } from './authenticate.js';
export type { AuthResult, OptionalAuthResult, AuthSuccess, AuthRefusal } from './authenticate.js';
export { metadataResponse, resourceMetadataHandler } from './resource-metadata.js';
export { ROUTE_OPTION_KEYS } from './route-options.js';
export type { RouteOptions } from './route-options.js';
// Re-exported so that an app needs only this package to make a verifier, compose its own answers and
// catch its errors (the same list in every adapter, plus the Fetch helpers). Declaring your own claims
// still goes to '@portcullis/core'.
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
  describeFetchRequest,
  authErrorResponse,
  withResponseHeaders,
} from '@portcullis/core';
export type { AccessToken, AuthErrorCode, JwtClaims, Verifier, VerifierOptions, ResourceMetadataOptions, ClaimRequirement } from '@portcullis/core';
