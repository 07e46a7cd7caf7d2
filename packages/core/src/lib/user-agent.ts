/**
 * The `User-Agent` of every discovery and JWKS request: `portcullis/<version>`, so that an issuer's
 * operators can tell Portcullis apart from other clients (and from plain `node`) in their logs.
 *
 * The version is written here, not read from package.json at run time: a bundle (a Worker, an edge
 * function) has no package.json next to it and workerd has no `import.meta.url` file to read. A test
 * (test/user-agent.test.ts) holds it equal to package.json's `version`.
 */

/** The version of `@portcullis/core`; bumped with package.json (a test fails when they differ). */
export const CORE_VERSION = '0.1.0';

/**
 * `portcullis/<version of @portcullis/core>`.
 *
 * @example
 * ```ts
 * await fetch(url, { headers: { 'user-agent': USER_AGENT } });
 * ```
 */
export const USER_AGENT = `portcullis/${CORE_VERSION}`;
