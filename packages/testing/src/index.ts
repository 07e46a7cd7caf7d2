export { startFakeIssuer } from './profiles/start.js';
export { PROVIDER_PROFILES } from './profiles/dialects.js';
export type { ProviderProfile, ProfilePresetOptions } from './profiles/dialects.js';
export type { ProviderIssuer, ProviderIssuerOptions, ProviderIssuerStats } from './profiles/provider-issuer.js';
export { basicAuthorization } from './client-auth.js';
export { FAULT_MODES, HUGE_BODY_BYTES } from './fault-modes.js';
export { MINT_ALGORITHMS, DEFAULT_CLIENT_ID } from './mint.js';
export { TOKEN_INTROSPECTION_JWT } from './introspection-endpoint.js';
export { createDpopKey, createDpopProof, defaultDpopKey, jwkThumbprint, accessTokenHash, DPOP_PROOF_ALGORITHMS } from './dpop.js';
export type { DpopKey, DpopAlgorithm, DpopProofOptions } from './dpop.js';
export { createTestCertificateAuthority, createClientCertificate } from './certificates.js';
export type { TestCertificate, TestCertificateAuthority, IssueCertificateOptions } from './certificates.js';
export type { TokenBinding } from './binding.js';
export type { FakeIssuerMtls } from './mtls-endpoint.js';
export type {
  FakeIssuer,
  FakeIssuerOptions,
  ClientRegistration,
  MintAlgorithm,
  MintOptions,
  FaultMode,
  FaultModeOptions,
  IntrospectionFaultMode,
  OpaqueMintOptions,
  IssuerStats,
  PublishedJwk,
} from './types.js';
