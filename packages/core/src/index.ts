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
