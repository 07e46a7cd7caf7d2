/**
 * An `OAuthTokenVerifier` for the SDK's own `requireBearerAuth`, backed by a Portcullis verifier.
 */
import {
  InsufficientScopeError as SdkInsufficientScopeError,
  InvalidTokenError as SdkInvalidTokenError,
  ServerError as SdkServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isAuthError, resolveVerifier, type JwtClaims, type Verifier, type VerifierOptions, type VerifierInput, type IssuerOption, type ResourceMetadataOptions } from '@portcullis/core';
import { toAuthInfo } from './auth-info.js';

/**
 * The verifier for `requireBearerAuth({ verifier })`, with the Portcullis verifier it uses.
 *
 * @example
 * ```ts
 * const tokens: McpTokenVerifier = mcpTokenVerifier(verifier);
 * tokens.verifier.close();
 * ```
 */
export interface McpTokenVerifier<C extends object = JwtClaims> extends OAuthTokenVerifier {
  readonly verifier: Verifier<C>;
}

/**
 * Backs the SDK's `requireBearerAuth` with a Portcullis verifier (signature, issuer, audience, expiry,
 * JWKS cache). Refusals become the SDK's own error classes, so the SDK answers them as it should: any
 * refused token is `InvalidTokenError` (401, never 500). The SDK has no 503: when the issuer's keys
 * cannot be had this is `ServerError` (500, no `Retry-After`), and the SDK reads only the first of two
 * `Authorization` headers. {@link requireMcpAuth} has neither limit; prefer it.
 *
 * @example
 * ```ts
 * import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
 * import { createVerifier } from '@portcullis/core';
 * import { mcpTokenVerifier } from '@portcullis/mcp';
 *
 * const verifier = createVerifier({ issuer, resourceMetadata: { resource: 'https://mcp.example.com/mcp' } });
 * app.use('/mcp', requireBearerAuth({
 *   verifier: mcpTokenVerifier(verifier),
 *   resourceMetadataUrl: verifier.resourceMetadata!.url,
 * }));
 * ```
 */
export function mcpTokenVerifier<
  C extends object = JwtClaims,
  const I extends IssuerOption = IssuerOption,
  R extends ResourceMetadataOptions | undefined = undefined,
>(optionsOrVerifier: VerifierInput<C, I, R> | Verifier<C>): McpTokenVerifier<C>;
export function mcpTokenVerifier<C extends object = JwtClaims>(optionsOrVerifier: VerifierOptions<C> | Verifier<C>): McpTokenVerifier<C> {
  const { verifier } = resolveVerifier<C>(optionsOrVerifier);
  const resource = verifier.resourceMetadata?.resource;
  return Object.freeze({
    verifier,
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      try {
        return toAuthInfo(await verifier.verify(token), resource);
      } catch (error) {
        if (!isAuthError(error)) throw error;
        // The SDK writes these descriptions into its challenge: Portcullis's are short fixed sentences.
        if (error.status === 503) throw new SdkServerError(error.description);
        if (error.status === 403) throw new SdkInsufficientScopeError(error.description);
        throw new SdkInvalidTokenError(error.description);
      }
    },
  });
}
