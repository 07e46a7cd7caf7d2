import type { IssuerConfig } from '@portcullis/core';
import { audienceList, baseUrl, checkKeys, fail } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link kubernetes}.
 *
 * @example
 * ```ts
 * const options: KubernetesOptions = {
 *   issuer: 'https://kubernetes.default.svc.cluster.local',
 *   audience: 'https://orders.example.com',
 *   jwksUri: 'https://kubernetes.default.svc/openid/v1/jwks',
 *   requestHeaders: async () => ({ authorization: `Bearer ${await readFile(SA_TOKEN, 'utf8')}` }),
 * };
 * ```
 */
export interface KubernetesOptions {
  /** The API server's `--service-account-issuer`: `kubectl get --raw /.well-known/openid-configuration | jq .issuer`. */
  issuer: string;
  /** The audience callers project their tokens for (`serviceAccountToken.audience`). */
  audience: string | readonly string[];
  /** The JWKS URL, when discovery at the issuer is not reachable (in-cluster: `https://kubernetes.default.svc/openid/v1/jwks`). */
  jwksUri?: string;
  /** Headers of discovery and JWKS requests, for API servers that want credentials; a function is called per request, as projected tokens rotate. Never logged. */
  requestHeaders?: IssuerConfig['requestHeaders'];
}

const KEYS = ['issuer', 'audience', 'jwksUri', 'requestHeaders'];

/**
 * Kubernetes service-account tokens (projected volumes, TokenRequest): the issuer and audience you set; the
 * pod, namespace and service account in `sub` (`system:serviceaccount:<ns>:<name>`) and the `kubernetes.io`
 * claim, for per-route claim requirements. Discovery and the JWKS are served by the API server, which by
 * default wants credentials: give `requestHeaders` (the pod's own token, read per request).
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { kubernetes } from '@portcullis/providers';
 * const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';
 * app.use(requireAuth(kubernetes({
 *   issuer: 'https://kubernetes.default.svc.cluster.local',
 *   audience: 'https://orders.example.com',
 *   jwksUri: 'https://kubernetes.default.svc/openid/v1/jwks',
 *   requestHeaders: async () => ({ authorization: `Bearer ${(await readFile(token, 'utf8')).trim()}` }),
 * })));
 * app.get('/jobs', requireClaims({ sub: 'system:serviceaccount:batch:runner' }), handler);
 * ```
 */
export function kubernetes(options: KubernetesOptions): ProviderOptions {
  const given = checkKeys('kubernetes', options, KEYS);
  if (baseUrl('kubernetes', given, 'issuer') === undefined) fail('kubernetes', 'issuer', 'is required');
  // Tokens carry the issuer exactly as the API server was configured: keep the user's spelling.
  const issuer = given.issuer as string;
  const audience = audienceList('kubernetes', given, 'audience');
  const jwksUri = baseUrl('kubernetes', given, 'jwksUri');
  const headers = given.requestHeaders;
  if (headers !== undefined && typeof headers !== 'function' && (typeof headers !== 'object' || headers === null || Array.isArray(headers))) {
    fail('kubernetes', 'requestHeaders', 'must be an object of header values or a function returning one');
  }
  return {
    issuer: [
      {
        issuer,
        audience,
        ...(jwksUri === undefined ? {} : { jwksUri }),
        ...(headers === undefined ? {} : { requestHeaders: headers as KubernetesOptions['requestHeaders'] }),
      },
    ],
  };
}
