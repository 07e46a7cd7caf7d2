/**
 * `@portcullis/mcp`: OAuth 2.0 protection for Model Context Protocol servers built on
 * `@modelcontextprotocol/sdk` (RFC 9728 metadata, RFC 8707 audience binding, RFC 6750 answers).
 */
export { requireMcpAuth, resourceMetadataHandler, getAccessToken, MCP_AUTH_OPTION_KEYS } from './require-mcp-auth.js';
export type { McpAuthOptions, McpAuthMiddleware, McpMiddleware, McpRequest } from './require-mcp-auth.js';
export { mcpTokenVerifier } from './token-verifier.js';
export type { McpTokenVerifier } from './token-verifier.js';
export { toAuthInfo } from './auth-info.js';
export type { McpAuthExtra } from './auth-info.js';
// Re-exported so that an MCP server needs only this package to build and share a verifier.
export { createVerifier, createResourceMetadata, AuthError, isAuthError } from '@portcullis/core';
export type { AccessToken, JwtClaims, Verifier, VerifierOptions, ResourceMetadataOptions } from '@portcullis/core';
