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
export { describeRequest, isVerifier, resolveVerifier, resolveAdapterOptions, scopeRequirement, errorResponse } from './adapter-support.js';
export type { AdapterOptions, ErrorResponse } from './adapter-support.js';
export { DEFAULT_TOKEN_CACHE } from './token-cache.js';
export type { TokenCacheOptions } from './token-cache.js';
export { JwksCache, JwksError, getSharedJwksCache } from './jwks-cache.js';
export type {
  JwksCacheEvents,
  JwksCacheStats,
  JwksFetchedEvent,
  JwksFailureEvent,
  JwksStaleEvent,
  JwksErrorKind,
  SharedJwksCache,
} from './jwks-cache.js';
export { DEFAULT_JWKS_CACHE_OPTIONS, resolveJwksCacheOptions } from './jwks-options.js';
export type { JwksCacheOptions, JwksCacheInit, ResolvedJwksCacheOptions } from './jwks-options.js';
export { importVerificationKey } from './jwk-import.js';
export type { VerificationKey } from './jwk-import.js';
export { discoverJwksUri, metadataUrls, DiscoveryError } from './discovery.js';
export type { DiscoveryOptions, DiscoveryErrorKind } from './discovery.js';
export { IssuerKeys } from './issuer-keys.js';
export type { IssuerKeysOptions, IssuerKeysEvents, IssuerKeysStats, DiscoveryFailedEvent } from './issuer-keys.js';
export { FetchError } from './fetch-json.js';
export type { FetchErrorKind } from './fetch-json.js';
export type { VerifierEvents } from './verifier.js';
