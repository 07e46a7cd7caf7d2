export { requireAuth } from './require-auth.js';
export type { RequireAuthMiddleware } from './require-auth.js';
export { requireScopes, requireAnyScope } from './require-scopes.js';
export type { KoaAuthOptions } from './options.js';
export type { AuthState } from './state.js';
export { resourceMetadataHandler } from './resource-metadata.js';
