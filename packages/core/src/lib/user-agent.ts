/**
 * The `User-Agent` of every discovery and JWKS request: `portcullis/<version>`, so that an issuer's
 * operators can tell Portcullis apart from other clients (and from plain `node`) in their logs.
 */
import { readFileSync } from 'node:fs';

function coreVersion(): string {
  try {
    // From src/lib and dist/lib alike, core's package.json is two folders up; read once, at load.
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    // A bundle without the manifest next to it still sends a recognisable agent.
    return 'unknown';
  }
}

/**
 * `portcullis/<version of @portcullis/core>`.
 *
 * @example
 * ```ts
 * await fetch(url, { headers: { 'user-agent': USER_AGENT } });
 * ```
 */
export const USER_AGENT = `portcullis/${coreVersion()}`;

/** Core's version, as in its package.json (the OpenTelemetry scope's version too). */
export const CORE_VERSION: string = USER_AGENT.slice('portcullis/'.length);
