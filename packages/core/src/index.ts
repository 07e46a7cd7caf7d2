export {
  AuthError,
  InvalidRequestError,
  InvalidTokenError,
  CredentialsRequiredError,
  InsufficientScopeError,
  KeysUnavailableError,
  isAuthError,
} from './errors.js';
export type { AuthErrorCode, RejectReason, ErrorBody } from './errors.js';
export { formatChallenge, quoteString } from './challenge.js';
export type { ChallengeParams } from './challenge.js';
export type {
  RequestDescriptor,
  JwtHeader,
  StandardClaims,
  CustomClaims,
  JwtClaims,
  AccessToken,
  ScopeRequirement,
  Algorithm,
  AsymmetricAlgorithm,
  SymmetricAlgorithm,
} from './types.js';
export { createVerifier } from './verifier.js';
export type { Verifier, VerifierStats, TokenRejectedEvent, KeySource } from './verifier.js';
export type { VerifierOptions, IssuerConfig, ValidateFunction } from './options.js';
export { extractCredential } from './credential.js';
export type { CredentialOptions } from './credential.js';
export { extractScopes, checkScopes, hasAllScopes, hasAnyScope, normalizeScopeList } from './scopes.js';
export { describeRequest, isVerifier, resolveVerifier, scopeRequirement, errorResponse } from './adapter-support.js';
export type { ErrorResponse } from './adapter-support.js';
