import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { TestCertificate, TestCertificateAuthority } from './certificates.js';
import type { FakeIssuerMtls } from './mtls-endpoint.js';
import type { DpopKey } from './dpop-key.js';

/**
 * Every `alg` the fake issuer can sign with, including the symmetric ones and `none`, which exist so
 * that tests can produce tokens a verifier must refuse.
 *
 * @example
 * ```ts
 * const alg: MintAlgorithm = 'ES256';
 * const token = issuer.mint({}, { alg });
 * ```
 */
export type MintAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'none';

/**
 * How the JWKS or the metadata endpoints answer:
 *
 * - `up`: normally
 * - `down`: 503
 * - `error`: 500
 * - `hang`: never answers (until {@link FakeIssuer.close})
 * - `slow`: answers normally after `delayMs`
 * - `garbage`: 200 with a body that is not JSON
 * - `empty`: 200 `{"keys":[]}` (JWKS) or `{}` (metadata)
 * - `no-keys`: 200 `{}`
 * - `huge`: 200 with a ~10 MB JSON body, sent chunked
 * - `reset`: the TCP connection is reset without an answer
 * - `redirect`: 302 to another path that serves the normal document
 *
 * @example
 * ```ts
 * issuer.setJwksMode('down');
 * issuer.setMetadataMode('slow', { delayMs: 2_000 });
 * ```
 */
export type FaultMode =
  | 'up'
  | 'down'
  | 'error'
  | 'hang'
  | 'slow'
  | 'garbage'
  | 'empty'
  | 'no-keys'
  | 'huge'
  | 'reset'
  | 'redirect';

/**
 * How the introspection endpoint answers: any {@link FaultMode} (`empty` and `no-keys` answer `{}`,
 * `huge` a 10 MB `{"active":true,…}`), and two of its own:
 *
 * - `unauthorized`: 401 `invalid_client` to every caller, as when the resource server's credentials are wrong
 * - `plain-json`: a plain JSON answer even to a caller that asked for an RFC 9701 JWT (a downgrade)
 * - `bad-request`: 400 `invalid_request` about the caller's own request, as oidc-provider answers a client
 *   secret with a character outside RFC 6749 Appendix A ("client_id and client_secret in the authorization
 *   header are not properly encoded"): nothing about the token
 * - `invalid-token`: 400 `invalid_token`, an answer about the token itself (what some servers send for a
 *   token they cannot parse instead of RFC 7662's `{"active":false}`)
 *
 * @example
 * ```ts
 * issuer.setIntrospectionMode('unauthorized');
 * ```
 */
export type IntrospectionFaultMode = FaultMode | 'unauthorized' | 'plain-json' | 'bad-request' | 'invalid-token';

/**
 * Options of {@link FaultMode} switches.
 *
 * @example
 * ```ts
 * const options: FaultModeOptions = { delayMs: 500 };
 * issuer.setJwksMode('slow', options);
 * ```
 */
export interface FaultModeOptions {
  /** Delay of the `slow` mode in milliseconds. Default 1000. */
  delayMs?: number;
}

/**
 * A client allowed to use the token endpoint.
 *
 * @example
 * ```ts
 * const client: ClientRegistration = {
 *   clientId: 'orders-service',
 *   clientSecret: 'orders-secret',
 *   scopes: ['orders:read', 'orders:write'],
 * };
 * ```
 */
export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  /** The scopes the client may ask for. */
  scopes: string[];
  /**
   * Granted when the token request has no `scope`. Default: all of `scopes`. `[]` grants none: the
   * token has no `scope` claim, as oidc-provider answers such a request (RFC 6749 §3.3 allows both).
   */
  defaultScopes?: string[];
  /**
   * A requested scope the client is not registered for: `'error'` (default) answers `invalid_scope`;
   * `'drop'` leaves it out of the token, as oidc-provider does. A scope with illegal characters is
   * `invalid_scope` either way.
   */
  unknownScope?: 'error' | 'drop';
  /** `aud` of its tokens when the request has no `resource`. Default: the issuer's `audience`. */
  audience?: string | string[];
  /** Default `['client_credentials']`. Without `client_credentials` the client gets `unauthorized_client`. */
  grantTypes?: string[];
  /**
   * What the token endpoint hands this client: `'jwt'` (default, RFC 9068) or `'opaque'`, a random
   * string whose claims only the introspection endpoint knows.
   */
  tokenFormat?: 'jwt' | 'opaque';
}

/**
 * Options of {@link FakeIssuer.mintOpaque}.
 *
 * @example
 * ```ts
 * const expired = issuer.mintOpaque({}, { lifetime: -60 });
 * ```
 */
export interface OpaqueMintOptions {
  /** Seconds from `iat` to `exp`; negative for an already expired token. Default: the issuer's. */
  lifetime?: number;
  /** "Now" in seconds since the epoch. Default `Math.floor(Date.now() / 1000)`. */
  now?: number;
  /**
   * `'random'` (default): 43 base64url characters. `'jws'`: three dot-separated base64url segments of random
   * bytes, shaped like a compact JWS whose header does not parse (some servers' reference tokens look so).
   */
  shape?: 'random' | 'jws';
}

/**
 * Options of {@link startFakeIssuer}.
 *
 * @example
 * ```ts
 * const options: FakeIssuerOptions = { issuerPath: '/realms/demo', tokenLifetime: 60 };
 * const issuer = await startFakeIssuer(options);
 * ```
 */
export interface FakeIssuerOptions {
  /** TCP port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
  /** Path part of the issuer identifier: `''` (default), `'/'` or e.g. `'/realms/demo'`. */
  issuerPath?: string;
  /** Default `aud` of minted tokens. Default `'https://api.example.com'`. */
  audience?: string;
  /** Default lifetime of minted tokens in seconds. Default 300. */
  tokenLifetime?: number;
  /** Clients of the token endpoint. */
  clients?: ClientRegistration[];
  /**
   * Publish keys without a JWK `alg` member: `true` for every key, or a list of key types (`kty`).
   * Default `false`: every key has its `alg`. oidc-provider omits it on RSA and OKP keys:
   * `omitAlg: ['RSA', 'OKP']`.
   */
  omitAlg?: boolean | readonly ('RSA' | 'EC' | 'OKP')[];
  /**
   * TLS mode: also serve the token endpoint over HTTPS on its own port (RFC 8705 §5 endpoint alias),
   * issuing tokens bound to the client certificate. `true`, or the CA to make its server certificate with.
   */
  mtls?: boolean | { certificateAuthority?: TestCertificateAuthority };
}

/**
 * Options of {@link FakeIssuer.mint}; most exist to make deliberately bad tokens.
 *
 * @example
 * ```ts
 * const expired = issuer.mint({}, { lifetime: -60 });
 * const forged = issuer.mint({}, { key: 'attacker' });
 * const unsigned = issuer.mint({}, { alg: 'none' });
 * const confused = issuer.mint({}, { alg: 'HS256', secret: rsaPublicKeyPem });
 * const noTyp = issuer.mint({}, { header: { typ: undefined } });
 * ```
 */
export interface MintOptions {
  /**
   * Default `'RS256'`. RS and PS use the RSA key, ES256/384/512 the P-256/384/521 key, `EdDSA` and
   * `Ed25519` (the fully specified name of RFC 9864) the Ed25519 key. That key is published with
   * `alg: 'EdDSA'`, so a verifier that matches the JWK `alg` finds no key for an `Ed25519` token unless
   * the issuer omits `alg` ({@link FakeIssuerOptions.omitAlg}) or publishes the key again under it.
   *
   * The RSA key is published with `alg: 'RS256'`, so verifiers that match the JWK `alg` (jose does) find
   * no key for RS384/RS512/PS*. To have such tokens accepted, publish the same key under another kid:
   * `issuer.addKey({ ...issuer.publicJwk(issuer.currentKid()), kid: 'ps', alg: 'PS256' })` and mint with
   * `{ alg: 'PS256', kid: 'ps' }`. The P-384 and P-521 keys are published when first used (or asked for
   * with `currentKid('ES384')`), so create them before a verifier caches the JWKS.
   */
  alg?: MintAlgorithm;
  /** Header `kid`; `null` leaves it out. Default: the current kid for the algorithm's key type. */
  kid?: string | null;
  /**
   * Signing key: `'current'` (default), `'attacker'` (a key of the same type that is never published),
   * or any private (or, for HS*, secret) `KeyObject`.
   */
  key?: 'current' | 'attacker' | KeyObject;
  /** HMAC secret for HS256/384/512. */
  secret?: string | Uint8Array;
  /** Merged over the default header; a value of `undefined` deletes that field. */
  header?: Record<string, unknown>;
  /** Seconds from `iat` to `exp`; negative for an already expired token. Default: the issuer's. */
  lifetime?: number;
  /** "Now" in seconds since the epoch. Default `Math.floor(Date.now() / 1000)`. */
  now?: number;
  /** Bind the token to this DPoP key (or `jkt` thumbprint): sets `cnf.jkt` (RFC 9449 §6.1). */
  dpopKey?: DpopKey | string;
  /** Bind the token to this client certificate: sets `cnf["x5t#S256"]` (RFC 8705 §3.1). */
  certificate?: TestCertificate | string | Uint8Array;
}

/**
 * Request counters of a {@link FakeIssuer}; one object, updated as requests arrive.
 *
 * @example
 * ```ts
 * const { jwksRequests } = issuer.stats;
 * ```
 */
export interface IssuerStats {
  /** Requests to the JWKS URI (including the target of the `redirect` mode). */
  readonly jwksRequests: number;
  /** Requests to either metadata URL (including the target of the `redirect` mode). */
  readonly metadataRequests: number;
  /** Requests to the token endpoint, of any method. */
  readonly tokenRequests: number;
  /** Requests to the introspection endpoint, of any method and in any mode. */
  readonly introspectionRequests: number;
  /** The most introspection requests being answered at once (since start or `resetStats`). */
  readonly introspectionPeakInFlight: number;
  /** Requests to the revocation endpoint. */
  readonly revocationRequests: number;
}

/**
 * A public JWK as the issuer publishes it.
 *
 * @example
 * ```ts
 * const jwk: PublishedJwk = issuer.publicJwk(issuer.currentKid('ES256'));
 * jwk.crv; // 'P-256'
 * ```
 */
export type PublishedJwk = JsonWebKey & { kid: string };

/**
 * A running fake issuer; see {@link startFakeIssuer}.
 *
 * @example
 * ```ts
 * const issuer = await startFakeIssuer();
 * try {
 *   const token = issuer.mint({ scope: 'orders:read' });
 * } finally {
 *   await issuer.close();
 * }
 * ```
 */
export interface FakeIssuer {
  /** Issuer identifier, e.g. `http://127.0.0.1:51234` or `http://127.0.0.1:51234/realms/demo`. */
  readonly url: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  /** RFC 7662 introspection endpoint. */
  readonly introspectionEndpoint: string;
  /** RFC 7009 revocation endpoint. */
  readonly revocationEndpoint: string;
  /** RFC 8414 metadata URL (`/.well-known/oauth-authorization-server` + issuer path). */
  readonly metadataUrl: string;
  /** OpenID Connect discovery URL (issuer + `/.well-known/openid-configuration`). */
  readonly openidConfigurationUrl: string;
  /** Default `aud` of minted tokens. */
  readonly audience: string;
  /** Public JWK of the attacker RSA key, which is never in the JWKS (for embedded-`jwk` attacks). */
  readonly attackerJwk: JsonWebKey;
  /** Live request counters. */
  readonly stats: IssuerStats;
  /** The TLS token endpoint, when started with `mtls`. */
  readonly mtls: FakeIssuerMtls | undefined;
  /**
   * Signs an RFC 9068 access token, synchronously. Given claims override the defaults; a claim given as
   * `undefined` is left out.
   */
  mint(claims?: Record<string, unknown>, options?: MintOptions): string;
  /**
   * Hands out an opaque access token (43 random base64url characters) whose claims are kept by the
   * issuer and told only by its introspection endpoint. Default claims as for {@link FakeIssuer.mint}
   * plus `token_type: 'Bearer'`; a claim given as `undefined` is left out.
   */
  mintOpaque(claims?: Record<string, unknown>, options?: OpaqueMintOptions): string;
  /** Revokes a token (opaque or JWT): introspection answers `{"active":false}` for it from now on. */
  revoke(token: string): void;
  /** Kid of the current key used for `alg` (default RS256). HS* and `none` give the RSA kid. */
  currentKid(alg?: MintAlgorithm): string;
  /** Kids currently in the JWKS. */
  kids(): string[];
  /** The JWKS entry with this kid; throws when it is not published. */
  publicJwk(kid: string): PublishedJwk;
  /** New current key for every key type in use; returns the new kids. `retireOld` unpublishes all earlier signing keys. */
  rotateKeys(options?: { retireOld?: boolean }): string[];
  /** Stops publishing a key; tokens signed with it no longer verify. */
  removeKey(kid: string): void;
  /** Publishes an extra raw JWKS entry, kept as given. */
  addKey(jwk: JsonWebKey | Record<string, unknown>): void;
  setJwksMode(mode: FaultMode, options?: FaultModeOptions): void;
  setMetadataMode(mode: FaultMode, options?: FaultModeOptions): void;
  setIntrospectionMode(mode: IntrospectionFaultMode, options?: FaultModeOptions): void;
  addClient(client: ClientRegistration): void;
  resetStats(): void;
  /** Closes the server and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}
