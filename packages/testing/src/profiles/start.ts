import { startFakeIssuer as startGenericIssuer } from '../fake-issuer.js';
import type { FakeIssuer, FakeIssuerOptions } from '../types.js';
import { startProviderIssuer } from './provider-issuer.js';
import type { ProviderIssuer, ProviderIssuerOptions } from './provider-issuer.js';
import type { ProviderProfile } from './dialects.js';

/**
 * Starts a fake OAuth 2.0 authorization server on 127.0.0.1.
 *
 * Without `profile`: RFC 8414 and OpenID Connect metadata, a JWKS with RS256, ES256 and EdDSA keys, a client
 * credentials token endpoint (JWT or opaque tokens), RFC 7662 introspection and RFC 7009 revocation,
 * synchronous minting of good and deliberately bad RFC 9068 access tokens, key rotation, and fault modes.
 *
 * With `profile` (`'auth0'`, `'okta'`, `'entra'`, `'entra-v1'`, `'cognito'`, `'keycloak'`, `'google'`,
 * `'github-actions'`, `'kubernetes'`, `'zitadel'`): discovery and the JWKS at that provider's paths, and
 * tokens minted in its shape (header, claims, issuer form), plus `presetOptions` for the matching
 * `@portcullis/providers` preset pointed at the fake.
 *
 * @example
 * ```ts
 * import { startFakeIssuer } from '@portcullis/testing';
 *
 * const issuer = await startFakeIssuer();
 * const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
 * await verifier.verify(issuer.mint({ scope: 'orders:read' }));
 *
 * const pool = await startFakeIssuer({ profile: 'cognito' });
 * const poolVerifier = createVerifier(cognito(pool.presetOptions));
 * await poolVerifier.verify(pool.mint());                       // an access token of the pool
 * await poolVerifier.verify(pool.mintIdToken()).catch(() => 0);  // refused: an ID token
 * ```
 */
export function startFakeIssuer<P extends ProviderProfile>(options: ProviderIssuerOptions<P>): Promise<ProviderIssuer<P>>;
export function startFakeIssuer(options?: FakeIssuerOptions): Promise<FakeIssuer>;
export function startFakeIssuer(options: FakeIssuerOptions | ProviderIssuerOptions = {}): Promise<FakeIssuer | ProviderIssuer> {
  if ('profile' in options && options.profile !== undefined) return startProviderIssuer(options);
  return startGenericIssuer(options);
}
