/** Public types shared by the verifier, the adapters and users. */

/** What core needs from an HTTP request. Adapters build it from their framework's request. */
export interface RequestDescriptor {
  method: string;
  /** The request target as received, e.g. `/orders?limit=10`. */
  url: string;
  /** Node's lower-cased header map (`IncomingMessage.headers`). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Node's `IncomingMessage.rawHeaders`, to see repeated `Authorization` lines Node would fold. */
  rawHeaders?: readonly string[] | undefined;
  /** The parsed form body, when the app parsed one and `allowFormBodyToken` is on. */
  body?: unknown;
  /**
   * True when the request arrived over TLS on this server's own socket; the scheme of the URL a DPoP
   * proof's `htu` is compared with (RFC 9449 §4.3), unless `dpop.publicUrl` or `dpop.trustProxy` say
   * otherwise.
   */
  encrypted?: boolean | undefined;
  /**
   * The DER bytes of the client certificate of this request's TLS connection (RFC 8705 §3), read only
   * when a token is certificate-bound; undefined without TLS or without a client certificate.
   */
  peerCertificate?: (() => Uint8Array | undefined) | undefined;
}

/** The JOSE header of a verified token. */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

/** Registered JWT claims (RFC 7519 §4.1) and the RFC 9068 / RFC 8693 ones resource servers read. */
export interface StandardClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  client_id?: string;
  scope?: string;
  scp?: string | string[];
  auth_time?: number;
  acr?: string;
  amr?: string[];
}

/**
 * Declare your own claims once, by declaration merging, and they are typed on every `AccessToken`:
 *
 * @example
 * ```ts
 * declare module '@portcullis/core' {
 *   interface CustomClaims { tenant_id: string }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CustomClaims {}

/** The claims of a verified token: standard claims, your {@link CustomClaims}, and anything else. */
export type JwtClaims = StandardClaims & CustomClaims & { [name: string]: unknown };

/**
 * A verified access token, as handed to route handlers (`req.auth`, `request.auth`, `ctx.state.auth`).
 *
 * @example
 * ```ts
 * const auth = await verifier.verify(token);
 * auth.scopes.includes('orders:read');
 * ```
 */
export interface AccessToken<C extends object = JwtClaims> {
  /** The token as received (a compact JWS, or an opaque string). Do not log it. */
  token: string;
  header: JwtHeader;
  claims: C & StandardClaims;
  /** Granted scopes, from `scope`, `scp` and any configured claim; unique, in order of appearance. */
  scopes: readonly string[];
  /**
   * Granted roles, from the issuer's `roleClaims` (default `roles`, RFC 9068 §2.2.3.1); unique, in order
   * of appearance. Required per route like scopes (`requireRoles`, `config.auth.roles`, `@Roles`).
   */
  roles: readonly string[];
  subject: string | undefined;
  /** The client the token was issued to: the first of the issuer's `clientIdClaims` (default `client_id`, `azp`, `cid`, `appid`). */
  clientId: string | undefined;
  /** The tenant (`tid`) of a token accepted through an issuer template such as Entra's `{tenantid}`; else undefined. */
  tenant: string | undefined;
  /** The token's issuer: the configured one, or for an issuer template the tenant's own (the token's `iss`). */
  issuer: string;
  /** The `aud` claim as a list. */
  audience: readonly string[];
  /**
   * `exp` as a Date. For an introspected token whose response has no `exp`: the end of the cached
   * verdict (now plus `introspection.cacheTtl`).
   */
  expiresAt: Date;
  /**
   * How the token was judged: `'jwt'` for a compact JWS (verified locally or introspected), `'opaque'`
   * for any other token, checked by RFC 7662 introspection. An opaque token has no JOSE header:
   * `header` is then `{ alg: '' }`.
   */
  readonly format: 'jwt' | 'opaque';
  /**
   * The token's confirmation claim (RFC 7800), from the JWT or the introspection response: `jkt` for a
   * DPoP-bound token (RFC 9449 §6), `x5t#S256` for a certificate-bound one (RFC 8705 §3.1). Checked by
   * the verifier on every request.
   */
  readonly cnf?: Readonly<Record<string, unknown>> | undefined;
}

/** A scope requirement: every scope of `allOf`, and at least one of `anyOf`. */
export interface ScopeRequirement {
  allOf?: readonly string[] | undefined;
  anyOf?: readonly string[] | undefined;
}

/** Asymmetric JWS algorithms Portcullis verifies with `node:crypto`. */
export type AsymmetricAlgorithm =
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA' | 'Ed25519';

/** HMAC algorithms, only with an explicitly configured `secret`. */
export type SymmetricAlgorithm = 'HS256' | 'HS384' | 'HS512';

export type Algorithm = AsymmetricAlgorithm | SymmetricAlgorithm;
