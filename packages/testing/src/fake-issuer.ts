import type { JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { faultSetting } from './fault-modes.js';
import { handleIntrospectionRequest, handleRevocationRequest } from './introspection-endpoint.js';
import type { IntrospectionContext, IntrospectionFaultSetting } from './introspection-endpoint.js';
import { OpaqueTokenStore } from './opaque-tokens.js';
import type { FaultSetting } from './fault-modes.js';
import { KeyRing, keyTypeOf } from './keys.js';
import { issuerUrls, metadataDocument, validateIssuerPath } from './metadata.js';
import { mintToken } from './mint.js';
import { signJws } from './sign.js';
import type { MintContext } from './mint.js';
import { IssuerServer } from './server.js';
import { handleTokenRequest } from './token-endpoint.js';
import { listenMtls, type MtlsListener } from './mtls-endpoint.js';
import type { TokenEndpointContext } from './token-endpoint.js';
import type {
  ClientRegistration,
  FakeIssuer,
  FakeIssuerOptions,
  FaultModeOptions,
  IntrospectionFaultMode,
  MintAlgorithm,
  MintOptions,
} from './types.js';

const DEFAULT_AUDIENCE = 'https://api.example.com';
const DEFAULT_LIFETIME = 300;

function validateClient(client: ClientRegistration, where: string): ClientRegistration {
  const isString = (value: unknown): value is string => typeof value === 'string';
  if (!isString(client.clientId) || client.clientId === '' || client.clientId.includes(':')) {
    // A ':' in the id could not be sent with client_secret_basic without ambiguity for some clients.
    throw new TypeError(`${where}.clientId must be a non-empty string without ':'`);
  }
  if (!isString(client.clientSecret) || client.clientSecret === '') {
    throw new TypeError(`${where}.clientSecret must be a non-empty string`);
  }
  if (!Array.isArray(client.scopes) || !client.scopes.every(isString)) {
    throw new TypeError(`${where}.scopes must be an array of strings`);
  }
  if (client.defaultScopes !== undefined) {
    if (!Array.isArray(client.defaultScopes) || !client.defaultScopes.every(isString)) {
      throw new TypeError(`${where}.defaultScopes must be an array of strings`);
    }
    const unregistered = client.defaultScopes.find((scope) => !client.scopes.includes(scope));
    if (unregistered !== undefined) throw new TypeError(`${where}.defaultScopes has "${unregistered}", which is not in scopes`);
  }
  if (client.unknownScope !== undefined && client.unknownScope !== 'error' && client.unknownScope !== 'drop') {
    throw new TypeError(`${where}.unknownScope must be 'error' or 'drop'`);
  }
  if (client.tokenFormat !== undefined && client.tokenFormat !== 'jwt' && client.tokenFormat !== 'opaque') {
    throw new TypeError(`${where}.tokenFormat must be 'jwt' or 'opaque'`);
  }
  return {
    ...client,
    scopes: [...client.scopes],
    ...(client.defaultScopes === undefined ? {} : { defaultScopes: [...client.defaultScopes] }),
    ...(client.grantTypes === undefined ? {} : { grantTypes: [...client.grantTypes] }),
  };
}

function introspectionSetting(mode: IntrospectionFaultMode, options: FaultModeOptions): IntrospectionFaultSetting {
  if (mode === 'unauthorized' || mode === 'plain-json' || mode === 'bad-request' || mode === 'invalid-token') return { mode, delayMs: 0 };
  return faultSetting(mode, options, 'setIntrospectionMode');
}

function validateOptions(options: FakeIssuerOptions): Required<Omit<FakeIssuerOptions, 'clients' | 'mtls'>> {
  const omitAlg = options.omitAlg ?? false;
  if (
    typeof omitAlg !== 'boolean' &&
    !(Array.isArray(omitAlg) && omitAlg.every((kty: unknown) => kty === 'RSA' || kty === 'EC' || kty === 'OKP'))
  ) {
    throw new TypeError("FakeIssuerOptions.omitAlg must be a boolean or a list of 'RSA', 'EC', 'OKP'");
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('FakeIssuerOptions.port must be an integer from 0 to 65535');
  }
  const issuerPath = options.issuerPath ?? '';
  validateIssuerPath(issuerPath);
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  if (typeof audience !== 'string' || audience === '') {
    throw new TypeError('FakeIssuerOptions.audience must be a non-empty string');
  }
  const tokenLifetime = options.tokenLifetime ?? DEFAULT_LIFETIME;
  if (!Number.isFinite(tokenLifetime)) throw new TypeError('FakeIssuerOptions.tokenLifetime must be a finite number');
  return { port, issuerPath, audience, tokenLifetime, omitAlg };
}

/**
 * Starts a fake OAuth 2.0 authorization server on 127.0.0.1: RFC 8414 and OpenID Connect metadata, a
 * JWKS with RS256, ES256 and EdDSA keys, a client credentials token endpoint (JWT or opaque tokens),
 * RFC 7662 introspection (with RFC 9701 signed answers) and RFC 7009 revocation, synchronous minting of
 * good and deliberately bad access tokens, key rotation, and fault modes for the JWKS, the metadata
 * and introspection.
 *
 * @example
 * ```ts
 * import { startFakeIssuer } from '@portcullis/testing';
 *
 * const issuer = await startFakeIssuer({
 *   clients: [{ clientId: 'orders-service', clientSecret: 'orders-secret', scopes: ['orders:read'] }],
 * });
 * const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
 * await verifier.verify(issuer.mint({ scope: 'orders:read' }));
 * await expect(verifier.verify(issuer.mint({}, { lifetime: -60 }))).rejects.toThrow();
 * issuer.setJwksMode('down');
 * await issuer.close();
 * ```
 */
export async function startFakeIssuer(options: FakeIssuerOptions = {}): Promise<FakeIssuer> {
  const { port, issuerPath, audience, tokenLifetime, omitAlg } = validateOptions(options);
  const clients = new Map<string, ClientRegistration>();
  const addClient = (client: ClientRegistration, where: string): void => {
    const checked = validateClient(client, where);
    clients.set(checked.clientId, checked);
  };
  (options.clients ?? []).forEach((client, i) => addClient(client, `FakeIssuerOptions.clients[${i}]`));

  const keys = await KeyRing.create(omitAlg);
  let jwksMode: FaultSetting = faultSetting('up', {}, 'setJwksMode');
  let metadataMode: FaultSetting = faultSetting('up', {}, 'setMetadataMode');
  let introspectionMode: IntrospectionFaultSetting = introspectionSetting('up', {});
  // `mint` needs the URL, known once listening; requests are only routed after that.
  const tokenContext: TokenEndpointContext = {
    clients,
    audience,
    lifetime: tokenLifetime,
    mint: (claims, mintOptions) => mint(claims, mintOptions),
    mintOpaque: (claims, mintOptions) => opaque.mint(claims, mintOptions),
    endpointUrl: () => urls.tokenEndpoint,
  };
  const server = await IssuerServer.listen(port, {
    jwks: () => keys.jwks(),
    metadata: () => metadataDocument(urls, clients.values()),
    jwksMode: () => jwksMode,
    metadataMode: () => metadataMode,
    handleToken: (req, res) => handleTokenRequest(req, res, tokenContext),
    handleIntrospection: (req, res) => handleIntrospectionRequest(req, res, introspectionContext),
    handleRevocation: (req, res) => handleRevocationRequest(req, res, introspectionContext),
  });
  const urls = issuerUrls(server.origin, issuerPath);
  server.setUrls(urls);
  const opaque = new OpaqueTokenStore({ issuer: urls.url, audience, lifetime: tokenLifetime });
  const introspectionContext: IntrospectionContext = {
    clients,
    tokens: opaque,
    issuer: urls.url,
    async verifyJwt(token) {
      try {
        const { payload } = await jwtVerify(token, createLocalJWKSet(keys.jwks()), { issuer: urls.url });
        return payload;
      } catch {
        return undefined;
      }
    },
    signResponse(payload) {
      const key = keys.current('RSA');
      const header = { alg: 'RS256', typ: 'token-introspection+jwt', kid: key.kid };
      const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${input}.${signJws('RS256', Buffer.from(input, 'ascii'), key.privateKey).toString('base64url')}`;
    },
    mode: () => introspectionMode,
    schedule: (callback, delayMs) => server.schedule(callback, delayMs),
  };
  const mintContext: MintContext = { keys, issuer: urls.url, audience, lifetime: tokenLifetime };
  const mint = (claims: Record<string, unknown> = {}, mintOptions: MintOptions = {}): string =>
    mintToken(mintContext, claims, mintOptions);
  const attackerJwk: JsonWebKey = keys.attackerJwk('RSA');
  let mtls: MtlsListener | undefined;
  if (options.mtls !== undefined && options.mtls !== false) {
    const ca = options.mtls === true ? undefined : options.mtls.certificateAuthority;
    const path = new URL(urls.tokenEndpoint).pathname;
    mtls = await listenMtls(path, ca, (req, res) => handleTokenRequest(req, res, { ...tokenContext, endpointUrl: () => mtls!.info.tokenEndpoint }));
  }

  return {
    ...urls,
    audience,
    attackerJwk,
    get stats() {
      return server.stats;
    },
    mint,
    mintOpaque: (claims = {}, mintOptions = {}) => opaque.mint(claims, mintOptions),
    revoke: (token) => {
      if (typeof token !== 'string' || token === '') throw new TypeError('revoke(token): token must be a non-empty string');
      opaque.revoke(token);
    },
    currentKid: (alg: MintAlgorithm = 'RS256') => keys.current(keyTypeOf(alg) ?? 'RSA').kid,
    kids: () => keys.kids(),
    publicJwk: (kid) => keys.publicJwk(kid),
    rotateKeys: (rotateOptions = {}) => keys.rotate(rotateOptions),
    removeKey: (kid) => keys.remove(kid),
    addKey: (jwk) => keys.addRaw(jwk),
    setJwksMode: (mode, modeOptions = {}) => {
      jwksMode = faultSetting(mode, modeOptions, 'setJwksMode');
    },
    setMetadataMode: (mode, modeOptions = {}) => {
      metadataMode = faultSetting(mode, modeOptions, 'setMetadataMode');
    },
    setIntrospectionMode: (mode, modeOptions = {}) => {
      introspectionMode = introspectionSetting(mode, modeOptions);
    },
    addClient: (client) => addClient(client, 'addClient(client)'),
    mtls: mtls?.info,
    resetStats: () => server.resetStats(),
    close: async () => {
      await Promise.all([server.close(), mtls?.close()]);
    },
  };
}
