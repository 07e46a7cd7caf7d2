import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { faultSetting, serveDocument } from '../fault-modes.js';
import type { FaultSetting } from '../fault-modes.js';
import { sendJson } from '../http-io.js';
import { KeyRing, keyTypeOf } from '../keys.js';
import { mintToken } from '../mint.js';
import type { FaultMode, FaultModeOptions, MintAlgorithm, MintOptions } from '../types.js';
import { DIALECTS } from './dialect-table.js';
import { PROVIDER_PROFILES, defaultIdentifiers } from './dialects.js';
import type { DialectContext, ProfilePresetOptions, ProviderProfile } from './dialects.js';

/**
 * Options of {@link startFakeIssuer} with a `profile`: a fake that speaks one identity provider's dialect.
 *
 * @example
 * ```ts
 * const options: ProviderIssuerOptions = { profile: 'entra', tokenLifetime: 600 };
 * const issuer = await startFakeIssuer(options);
 * ```
 */
export interface ProviderIssuerOptions<P extends ProviderProfile = ProviderProfile> {
  /** The identity provider whose paths, issuer form and token shape the fake copies. */
  profile: P;
  /** TCP port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
  /** The API's audience as the provider writes it. Default: one shaped as that provider's (none for Cognito). */
  audience?: string;
  /** The calling application's client id. Default: a random one shaped as the provider's. */
  clientId?: string;
  /** Default lifetime of minted tokens in seconds. Default 300. */
  tokenLifetime?: number;
}

/**
 * Counters of a provider fake: every request to a JWKS path or a metadata path, and those refused for
 * missing credentials (Kubernetes).
 *
 * @example
 * ```ts
 * expect(issuer.stats.jwksRequests).toBe(1);
 * ```
 */
export interface ProviderIssuerStats {
  readonly jwksRequests: number;
  readonly metadataRequests: number;
  readonly unauthorizedRequests: number;
}

/**
 * A running fake of one identity provider; see {@link startFakeIssuer}.
 *
 * @example
 * ```ts
 * const issuer = await startFakeIssuer({ profile: 'cognito' });
 * const verifier = createVerifier(cognito(issuer.presetOptions));
 * await verifier.verify(issuer.mint({ scope: 'orders-api/read' }));
 * await issuer.close();
 * ```
 */
export interface ProviderIssuer<P extends ProviderProfile = ProviderProfile> {
  readonly profile: P;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The issuer identifier of minted tokens (home tenant / pool / realm; Google's own string for `google`). */
  readonly url: string;
  /** Where the keys are, at the provider's path. */
  readonly jwksUri: string;
  /** The OpenID Connect discovery document of the home tenant, at the provider's path. */
  readonly discoveryUrl: string;
  /** The API's audience (`undefined` for Cognito, whose access tokens have none). */
  readonly audience: string | undefined;
  /** The calling application's client id, as the provider's client-id claim carries it. */
  readonly clientId: string;
  /** Entra: the home tenant id; Cognito: the user pool id; Keycloak: the realm; ZITADEL: the project id. */
  readonly tenant: string;
  /**
   * The options of the matching `@portcullis/providers` preset, pointed at this fake:
   * `cognito({ ...issuer.presetOptions })`. Override what a test varies (`tenants`, `clientIds`, …).
   */
  readonly presetOptions: ProfilePresetOptions[P];
  /** Kubernetes: the headers discovery and the JWKS demand (also in `presetOptions.requestHeaders`). */
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly stats: ProviderIssuerStats;
  /**
   * An access token in the provider's shape: its header, its claims, its issuer form. Given claims override
   * the defaults; `undefined` deletes one. For Entra, a `tid` override also moves `iss` to that tenant.
   */
  mint(claims?: Record<string, unknown>, options?: MintOptions): string;
  /**
   * The provider's ID token for the same user and client (Auth0, Okta, Entra, Cognito, Keycloak): signed by
   * the same keys, yet not an access token for the API. Throws a TypeError for the other profiles, whose
   * bearer tokens are ID tokens already.
   */
  mintIdToken(claims?: Record<string, unknown>, options?: MintOptions): string;
  currentKid(alg?: MintAlgorithm): string;
  rotateKeys(options?: { retireOld?: boolean }): string[];
  setJwksMode(mode: FaultMode, options?: FaultModeOptions): void;
  setMetadataMode(mode: FaultMode, options?: FaultModeOptions): void;
  resetStats(): void;
  close(): Promise<void>;
}

function defaultClientId(profile: ProviderProfile): string {
  switch (profile) {
    case 'entra':
    case 'entra-v1':
      return '1950a258-227b-4e31-a9cf-717495945fc2';
    case 'cognito':
      return '4pq6ne2fg0elrdtehr6a1qk8ab';
    case 'okta':
      return '0oa1abcdEFGHijkl5d7';
    case 'zitadel':
      return '245938306314153988@orders';
    default:
      return 'orders-client';
  }
}

function validate(options: ProviderIssuerOptions): { port: number; lifetime: number } {
  if (!(PROVIDER_PROFILES as readonly unknown[]).includes(options.profile)) {
    throw new TypeError(`FakeIssuerOptions.profile must be one of ${PROVIDER_PROFILES.join(', ')}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError('FakeIssuerOptions.port must be an integer from 0 to 65535');
  for (const name of ['audience', 'clientId'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new TypeError(`FakeIssuerOptions.${name} must be a non-empty string`);
  }
  if (options.profile === 'cognito' && options.audience !== undefined) {
    throw new TypeError("FakeIssuerOptions.audience does not apply to profile 'cognito': its access tokens have no aud");
  }
  const lifetime = options.tokenLifetime ?? 300;
  if (!Number.isFinite(lifetime)) throw new TypeError('FakeIssuerOptions.tokenLifetime must be a finite number');
  return { port, lifetime };
}

/**
 * Starts a fake of one identity provider on 127.0.0.1 (used by {@link startFakeIssuer} when given a
 * `profile`).
 *
 * @example
 * ```ts
 * const issuer = await startProviderIssuer({ profile: 'keycloak' });
 * ```
 */
export async function startProviderIssuer<P extends ProviderProfile>(options: ProviderIssuerOptions<P>): Promise<ProviderIssuer<P>> {
  const { port, lifetime } = validate(options);
  const dialect = DIALECTS[options.profile];
  const identifiers = defaultIdentifiers(options.profile);
  const keys = await KeyRing.create(false);
  const readerToken = randomBytes(24).toString('base64url');
  let jwksMode: FaultSetting = faultSetting('up', {}, 'setJwksMode');
  let metadataMode: FaultSetting = faultSetting('up', {}, 'setMetadataMode');
  const stats = { jwksRequests: 0, metadataRequests: 0, unauthorizedRequests: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  // Known once listening; requests are only answered after that.
  const state: { context?: DialectContext } = {};

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const route = state.context === undefined ? undefined : dialect.route(path, state.context);
    if (route === undefined) {
      sendJson(req, res, 404, { error: 'not_found' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(req, res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, HEAD' });
      return;
    }
    if (route.kind === 'jwks') stats.jwksRequests += 1;
    else stats.metadataRequests += 1;
    if (dialect.protectedDocuments === true && req.headers.authorization !== `Bearer ${readerToken}`) {
      // As the Kubernetes API server answers without the service-account-issuer-discovery role.
      stats.unauthorizedRequests += 1;
      sendJson(req, res, 401, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
      return;
    }
    const isJwks = route.kind === 'jwks';
    serveDocument(req, res, isJwks ? jwksMode : metadataMode, {
      document: isJwks ? () => keys.jwks() : () => route.document,
      emptyDocument: isJwks ? { keys: [] } : {},
      // The redirect mode points at the same path with a query, which answers normally.
      redirectLocation: `${path}?redirected=1`,
      headers: isJwks ? { 'Cache-Control': 'public, max-age=300' } : {},
      schedule: (callback, delayMs) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          callback();
        }, delayMs);
        timers.add(timer);
      },
    });
  };
  const server = createServer((req, res) => {
    // The target of the redirect mode always answers normally, or a client following it would loop.
    if (req.url?.endsWith('?redirected=1') === true) {
      const saved = [jwksMode, metadataMode] as const;
      jwksMode = metadataMode = faultSetting('up', {}, 'setJwksMode');
      try {
        handle(req, res);
      } finally {
        [jwksMode, metadataMode] = saved;
      }
      return;
    }
    handle(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fake issuer is not listening');
  const origin = `http://127.0.0.1:${address.port}`;
  state.context = {
    origin,
    audience: options.audience ?? identifiers.audience,
    clientId: options.clientId ?? defaultClientId(options.profile),
    tenant: identifiers.tenant,
    readerToken,
  };
  const ctx = state.context;
  const issuer = dialect.issuer(ctx);
  const sign = (base: Record<string, unknown>, claims: Record<string, unknown>, mintOptions: MintOptions): string =>
    mintToken({ keys, issuer, audience: ctx.audience ?? '', lifetime }, { ...base, ...claims }, {
      ...mintOptions,
      header: { ...dialect.header, ...mintOptions.header },
    });
  let closing: Promise<void> | undefined;

  return {
    profile: options.profile,
    origin,
    url: issuer,
    jwksUri: dialect.jwksUri(ctx),
    discoveryUrl: dialect.discoveryUrl(ctx),
    audience: ctx.audience,
    clientId: ctx.clientId,
    tenant: ctx.tenant,
    presetOptions: dialect.presetOptions(ctx) as ProfilePresetOptions[P],
    requestHeaders: dialect.protectedDocuments === true ? { authorization: `Bearer ${readerToken}` } : {},
    stats,
    mint: (claims = {}, mintOptions = {}) => sign(dialect.accessClaims(ctx, claims), claims, mintOptions),
    mintIdToken: (claims = {}, mintOptions = {}) => {
      if (dialect.idClaims === undefined) {
        throw new TypeError(`mintIdToken: profile '${options.profile}' has no separate ID token; its bearer tokens are ID tokens`);
      }
      return sign(dialect.idClaims(ctx), claims, mintOptions);
    },
    currentKid: (alg: MintAlgorithm = 'RS256') => keys.current(keyTypeOf(alg) ?? 'RSA').kid,
    rotateKeys: (rotateOptions = {}) => keys.rotate(rotateOptions),
    setJwksMode: (mode, modeOptions = {}) => {
      jwksMode = faultSetting(mode, modeOptions, 'setJwksMode');
    },
    setMetadataMode: (mode, modeOptions = {}) => {
      metadataMode = faultSetting(mode, modeOptions, 'setMetadataMode');
    },
    resetStats: () => {
      stats.jwksRequests = stats.metadataRequests = stats.unauthorizedRequests = 0;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
