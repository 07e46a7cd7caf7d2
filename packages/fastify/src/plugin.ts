/**
 * The Fastify plugin: checks the bearer token in an `onRequest` hook (before any body is read),
 * reads each route's `config.auth` once when the route is added, and puts the verified token on
 * `request.auth`.
 */
import {
  ADAPTER_OPTION_KEYS,
  VERIFIER_OPTION_KEYS,
  describeRequest,
  errorResponse,
  isAuthError,
  isVerifier,
  resolveAdapterOptions,
  rejectUnknownKeys,
  resolveVerifier,
  type Verifier,
  type VerifierOptions,
} from '@portcullis/core';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { resourceMetadataRoute } from './resource-metadata.js';
import { compileRouteAuth, kRouteAuth, routeAuthOf, routeName } from './route-auth.js';
import type { FastifyPortcullisOptions } from './types.js';

const JSON_TYPE = 'application/json; charset=utf-8';
/** Keys Fastify's `register` itself reads; they may sit next to a shared verifier. */
const REGISTER_KEYS = new Set<string>([...ADAPTER_OPTION_KEYS, 'verifier', 'prefix', 'logLevel', 'logSerializers']);
/** Every key the plugin options may hold, so that a misspelt one ("optinal") is named with its fix. */
const PLUGIN_OPTION_KEYS = [...VERIFIER_OPTION_KEYS, ...REGISTER_KEYS];

interface Settings {
  verifier: Verifier;
  owned: boolean;
  optional: boolean;
  pass: boolean;
}

function settingsFrom(options: FastifyPortcullisOptions): Settings {
  if (typeof options !== 'object' || options === null) throw new TypeError('Portcullis: plugin options must be an object');
  rejectUnknownKeys(options, PLUGIN_OPTION_KEYS, '');
  // Fastify's own register options travel in the same object; they are not the verifier's.
  const { optional, errors, verifier, prefix: _prefix, logLevel: _logLevel, logSerializers: _logSerializers, ...verifierOptions } =
    options as FastifyPortcullisOptions & { prefix?: unknown; logLevel?: unknown; logSerializers?: unknown };
  const behaviour = resolveAdapterOptions({ optional, errors });
  if (verifier !== undefined) {
    if (!isVerifier(verifier)) throw new TypeError('Portcullis: option "verifier" must be a verifier made by createVerifier');
    const extra = Object.keys(options).find((key) => !REGISTER_KEYS.has(key));
    if (extra !== undefined) {
      throw new TypeError(`Portcullis: option "${extra}" cannot be combined with "verifier": configure the shared verifier instead`);
    }
  }
  if ((verifierOptions as VerifierOptions).allowFormBodyToken === true) {
    throw new TypeError(
      'Portcullis: option "allowFormBodyToken" is not supported by @portcullis/fastify: the token is checked in onRequest, before the body is parsed',
    );
  }
  // Held with the default claim type, the one `request.auth` has, whatever type the verifier was made with.
  const resolved = resolveVerifier(verifier === undefined ? (verifierOptions as VerifierOptions) : (verifier as Verifier));
  return { ...resolved, optional: behaviour.optional, pass: behaviour.passErrors };
}

function install(fastify: FastifyInstance, { verifier, owned, optional, pass }: Settings): void {
  // Registered once per scope; a second registration (e.g. a nested one) shares the decorator.
  // `undefined`, not Fastify's usual `null`: "no token" reads the same in every adapter (Express's
  // `req.auth`, Koa's `ctx.state.auth`) and outside the plugin's scope, where no decorator exists.
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);

  fastify.addHook('onRoute', (routeOptions: RouteOptions) => {
    const config = routeOptions.config;
    const compiled = compileRouteAuth(config?.auth, routeName(routeOptions.method, routeOptions.url));
    // Fastify copies the config into the route's context: the symbol travels with it.
    routeOptions.config = { ...config, [kRouteAuth]: compiled } as NonNullable<typeof config>;
  });

  const authenticateOptions = Object.freeze({ optional });
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const route = routeAuthOf(request.routeOptions.config);
    if (route.isPublic) return undefined;
    try {
      const auth = await verifier.authenticate(describeRequest(request.raw), authenticateOptions);
      // E.g. a fresh DPoP-Nonce: on every answer to an accepted token, a scope refusal included.
      const headers = verifier.responseHeaders?.(auth);
      if (headers !== undefined) reply.headers(headers);
      // Without a token (optional mode), a route that requires scopes answers 401: core decides.
      if (route.requirement !== undefined) verifier.checkScopes(auth, route.requirement);
      if (auth !== undefined) request.auth = auth;
      return undefined;
    } catch (error) {
      // A non-AuthError is a bug: Fastify's error path. 'pass' hands AuthErrors to it as well.
      if (pass || !isAuthError(error)) throw error;
      const { status, headers, body } = errorResponse(error);
      return reply.code(status).headers(headers).type(JSON_TYPE).send(JSON.stringify(body));
    }
  }
  fastify.addHook('onRequest', authenticate);
  // RFC 9728: the metadata is how a client learns where to get a token, so its route is public.
  const metadata = verifier.resourceMetadata;
  // A second registration with the same verifier (a nested scope) shares the route.
  if (metadata !== undefined && !fastify.hasRoute({ method: 'GET', url: metadata.path })) {
    fastify.route(resourceMetadataRoute(metadata));
  }

  if (owned) {
    fastify.addHook('onClose', (_instance: FastifyInstance, done: () => void) => {
      verifier.close();
      done();
    });
  }
}

const portcullisPlugin: FastifyPluginCallback<FastifyPortcullisOptions> = (fastify, options, done) => {
  let settings: Settings;
  try {
    settings = settingsFrom(options);
  } catch (error) {
    done(error as Error);
    return;
  }
  install(fastify, settings);
  done();
};

/**
 * The Portcullis plugin for Fastify 5. Every route in the scope where it is registered needs a valid
 * bearer access token, checked in `onRequest` (so a refused request's body is never read); the token
 * is on `request.auth`. Built with `fastify-plugin`, so it applies to the scope that registers it,
 * not to a child scope of its own: register it inside a child plugin to protect only that plugin's
 * routes, or mark a route public with `config: { auth: false }`. A route's scopes go in
 * `config: { auth: { scopes: [...] } }` (all of them) or `{ auth: { anyScope: [...] } }` (one of
 * them), checked when the route is added: a bad one fails startup.
 *
 * `await` the registration before declaring routes in the same scope, so that their `config.auth`
 * is checked at startup; a route declared earlier is still protected, its config checked on its
 * first request.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import portcullis from '@portcullis/fastify';
 *
 * const app = Fastify();
 * await app.register(portcullis, { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * app.get('/health', { config: { auth: false } }, async () => 'ok');
 * app.post('/orders', { config: { auth: { scopes: ['orders:write'] } } }, async (request) => {
 *   return { createdBy: request.auth?.clientId };
 * });
 * ```
 */
export const portcullis = fp(portcullisPlugin, { fastify: '5.x', name: '@portcullis/fastify' });
