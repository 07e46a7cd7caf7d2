/**
 * `@portcullis/nestjs`: the NestJS module, guard and decorators of Portcullis, OAuth 2.0 bearer
 * access token validation (RFC 6750, RFC 9068) for resource servers, on `@nestjs/platform-express`
 * and `@nestjs/platform-fastify`.
 */
export { PortcullisModule } from './portcullis-module.js';
export { PortcullisGuard } from './portcullis-guard.js';
export { PortcullisException } from './portcullis-exception.js';
export { Public, Scopes, AnyScope, Roles, AnyRole, RequireClaims } from './route-metadata.js';
export type { ClassOrMethodDecorator } from './route-metadata.js';
export { Auth } from './auth-param.js';
export { PORTCULLIS_VERIFIER } from './tokens.js';
export type {
  PortcullisBehaviourOptions,
  PortcullisGuardPlacement,
  PortcullisModuleAsyncOptions,
  PortcullisModuleOptions,
  PortcullisOptions,
} from './options.js';
// Re-exported so that a Nest app needs only this package to type handlers, share a verifier and
// catch its errors.
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
