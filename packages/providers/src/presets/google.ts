import { audienceList, baseUrl, checkKeys } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link google}.
 *
 * @example
 * ```ts
 * const options: GoogleOptions = { audience: 'https://orders-abc123-uc.a.run.app' };
 * ```
 */
export interface GoogleOptions {
  /** What callers put in `aud`: the receiving service's URL (Cloud Run, `gcloud auth print-identity-token --audiences`), or an OAuth client id. */
  audience: string | readonly string[];
  /** Instead of `https://www.googleapis.com/oauth2/v3/certs`: for tests against a fake issuer. */
  jwksUri?: string;
}

const KEYS = ['audience', 'jwksUri'];

/**
 * Google-signed OpenID Connect ID tokens used as bearer tokens between services (a service account's
 * identity token, Cloud Run and Cloud Functions service-to-service calls): `iss` either
 * `https://accounts.google.com` or `accounts.google.com`, as Google documents both; keys from Google's
 * certs; the audience is your service; the caller from `azp` and `email`. Google's own OAuth access
 * tokens are opaque and not for your API.
 *
 * @example
 * ```ts
 * import { google } from '@portcullis/providers';
 * app.use(requireAuth(google({ audience: 'https://orders-abc123-uc.a.run.app' })));
 * app.get('/jobs', requireClaims({ email: 'scheduler@acme.iam.gserviceaccount.com' }), handler);
 * ```
 */
export function google(options: GoogleOptions): ProviderOptions {
  const given = checkKeys('google', options, KEYS);
  const audience = audienceList('google', given, 'audience');
  const jwksUri = baseUrl('google', given, 'jwksUri') ?? 'https://www.googleapis.com/oauth2/v3/certs';
  return {
    issuer: [
      { issuer: 'https://accounts.google.com', jwksUri, audience },
      { issuer: 'accounts.google.com', jwksUri, audience },
    ],
  };
}
