/**
 * `@portcullis/fastify`: the Fastify 5 plugin of Portcullis, OAuth 2.0 bearer access token
 * validation (RFC 6750, RFC 9068) for resource servers.
 */
import { portcullis } from './plugin.js';

export { portcullis };
export { resourceMetadataRoute } from './resource-metadata.js';
export type { FastifyPortcullisOptions, PluginBehaviourOptions, RouteAuthConfig } from './types.js';

/**
 * The plugin, also as the default export; see {@link portcullis}.
 *
 * @example
 * ```ts
 * import portcullis from '@portcullis/fastify';
 *
 * await app.register(portcullis, { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * ```
 */
export default portcullis;
