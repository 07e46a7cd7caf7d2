/**
 * Extra headers on discovery and JWKS requests (Kubernetes API servers that want the pod's
 * service-account token). The headers are added to each request and never stored, logged or put in
 * an error: a failure names the URL only.
 */
import type { RequestHeaders } from '../routing/issuer-options.js';

/**
 * A `fetch` that adds `headers` (or what the function gives, called per request so that rotating
 * tokens are re-read) to every request it makes through `base` (default: the global `fetch`).
 */
export function fetchWithHeaders(base: typeof fetch | undefined, headers: RequestHeaders): typeof fetch {
  return async (input, init) => {
    const extra = typeof headers === 'function' ? await headers() : headers;
    if (typeof extra !== 'object' || extra === null) throw new TypeError('requestHeaders() must return an object of header values');
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(extra)) merged.set(name, value);
    return (base ?? globalThis.fetch)(input, { ...init, headers: merged });
  };
}
