export { startFakeIssuer } from './fake-issuer.js';
export { basicAuthorization } from './client-auth.js';
export { FAULT_MODES, HUGE_BODY_BYTES } from './fault-modes.js';
export { MINT_ALGORITHMS, DEFAULT_CLIENT_ID } from './mint.js';
export { TOKEN_INTROSPECTION_JWT } from './introspection-endpoint.js';
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
