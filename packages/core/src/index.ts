export {
  AuthError,
  InvalidRequestError,
  InvalidTokenError,
  CredentialsRequiredError,
  ServiceUnavailableError,
  KeysUnavailableError,
  IntrospectionUnavailableError,
  InvalidDpopProofError,
  UseDpopNonceError,
  ReplayStoreUnavailableError,
  isAuthError,
} from './errors/errors.js';
export { InsufficientScopeError } from './errors/insufficient-scope.js';
export type { AuthErrorCode, RejectReason, ErrorBody } from './errors/errors.js';
export { formatChallenge, formatChallenges, quoteString } from './errors/challenge.js';
export type { ChallengeParams, ChallengeContext, TokenScheme } from './errors/challenge.js';
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
export type { VerifierInput, IssuerOption, AudienceRequirement } from './verifier-input.js';
export { MAX_REPORTED_ISSUER_LENGTH } from './observability/events.js';
export { rejectUnknownKeys } from './lib/known-keys.js';
export { VERIFIER_OPTION_KEYS, ISSUER_OPTION_KEYS } from './options.js';
export type { Verifier } from './verifier-types.js';
export type { VerifierStats, TokenRejectedEvent } from './observability/events.js';
export type { KeySource } from './keys/key-source.js';
export type { VerifierOptions, VerifierCommonOptions, IssuerConfig, IssuerConfigWithAudience, ValidateFunction } from './options.js';
export type { TelemetrySettings } from './observability/telemetry-settings.js';
export { extractCredential, readCredential } from './request/credential.js';
export { describeFetchRequest } from './request/fetch-request.js';
export { authErrorResponse, metadataAnswerResponse, withResponseHeaders } from './fetch-support.js';
export type { CredentialOptions, Credential } from './request/credential.js';
export { DPOP_OPTION_KEYS, DPOP_NONCE_OPTION_KEYS } from './binding/dpop-options.js';
export type { DpopOptions, DpopNonceOptions } from './binding/dpop-options.js';
export { MTLS_OPTION_KEYS, certificateThumbprint } from './binding/mtls.js';
export type { MtlsOptions, CertificateHeaderFormat } from './binding/mtls.js';
export { accessTokenHash } from './binding/dpop-proof.js';
export { normalizeHtu } from './binding/htu.js';
export type { ReplayStoreFailedEvent } from './binding/sender-binding.js';
export { extractScopes, checkScopes, hasAllScopes, hasAnyScope, normalizeScopeList } from './scopes/scopes.js';
export type { ClaimPath } from './scopes/claim-path.js';
export { routeRequirement, checkRouteRequirement } from './scopes/requirement.js';
export type { RouteRequirement, ClaimRequirement, ClaimCondition } from './scopes/requirement.js';
export { DEFAULT_CLIENT_ID_CLAIMS, DEFAULT_ROLE_CLAIMS, ISSUER_READING_OPTION_KEYS } from './routing/issuer-options.js';
export type { AudienceClaim, RequestHeaders } from './routing/issuer-options.js';
export {
  describeRequest,
  isVerifier,
  resolveVerifier,
  resolveAdapterOptions,
  scopeRequirement,
  errorResponse,
  writeErrorResponse,
  writeMetadataResponse,
  setResponseHeaders,
  ERROR_CONTENT_TYPE,
  ADAPTER_OPTION_KEYS,
  resolveResourceMetadata,
} from './adapter-support.js';
export { ResourceMetadata, createResourceMetadata, RESOURCE_METADATA_OPTION_KEYS } from './metadata/resource-metadata.js';
export type {
  ResourceMetadataOptions,
  ResourceMetadataDocument,
  ResourceMetadataDefaults,
  MetadataResponse,
  BearerMethod,
} from './metadata/resource-metadata.js';
export { resourceMetadataUrl, RESOURCE_METADATA_WELL_KNOWN } from './metadata/well-known.js';
export type { AdapterOptions, ErrorResponse } from './adapter-support.js';
export { MemoryReplayStore, MemoryIntrospectionCache, ReplayStoreFullError } from './stores.js';
export type { ReplayStore, IntrospectionCacheStore, MemoryStoreOptions } from './stores.js';
export { DEFAULT_TOKEN_CACHE } from './cache/token-cache.js';
export type { TokenCacheOptions } from './cache/token-cache.js';
export { JwksCache, JwksError, getSharedJwksCache } from './keys/jwks-cache.js';
export type {
  JwksCacheEvents,
  JwksCacheStats,
  JwksFetchedEvent,
  JwksFailureEvent,
  JwksStaleEvent,
  JwksErrorKind,
  SharedJwksCache,
} from './keys/jwks-cache.js';
export { DEFAULT_JWKS_CACHE_OPTIONS, resolveJwksCacheOptions } from './keys/jwks-options.js';
export type { JwksCacheOptions, JwksCacheInit, ResolvedJwksCacheOptions } from './keys/jwks-options.js';
export { importVerificationKey } from './keys/jwk-import.js';
export type { VerificationKey } from './keys/jwk-import.js';
export { discoverJwksUri, discoverIntrospectionEndpoint, metadataUrls, DiscoveryError } from './keys/discovery.js';
export type { DiscoveryOptions, DiscoveryErrorKind } from './keys/discovery.js';
export { IssuerKeys } from './keys/issuer-keys.js';
export { createCachedKeySource } from './keys/cache-key-source.js';
export type { CachedKeySourceOptions, JwksDocumentCache } from './keys/cache-key-source.js';
export type { IssuerKeysOptions, IssuerKeysEvents, IssuerKeysStats, DiscoveryFailedEvent } from './keys/issuer-keys.js';
export type { KeySourceFailureEvent } from './keys/bounded-key-source.js';
export { FetchError } from './lib/fetch-json.js';
export { INTROSPECTION_OPTION_KEYS } from './introspection/options.js';
export type { IntrospectionOptions } from './introspection/options.js';
export { introspectionCacheKey } from './introspection/cache-key.js';
export type {
  IntrospectionStats,
  IntrospectionEvents,
  IntrospectionFailureKind,
  IntrospectionCompletedEvent,
  IntrospectionFailedEvent,
  IntrospectionCacheFailedEvent,
} from './introspection/events.js';
export type { FetchErrorKind } from './lib/fetch-json.js';
export type { VerifierEvents } from './observability/events.js';
