/**
 * The verifier's options, validated once at construction: a mistake is a `TypeError` that names the
 * option, never a surprise on the first request.
 */
import type { KeyObject } from 'node:crypto';
import { createSecretKey } from 'node:crypto';
import { ASYMMETRIC_ALGORITHMS, SYMMETRIC_ALGORITHMS, isSupportedAlgorithm } from './jwt/algorithms.js';
import { normalizeMediaType } from './jwt/claims.js';
import type { ClaimPath } from './scopes/claim-path.js';
import { compileClaimPaths } from './scopes/grants.js';
import { ISSUER_READING_OPTION_KEYS, checkIssuerString, resolveIssuerReading, type AudienceClaim, type IssuerReading, type IssuerReadingOptions } from './routing/issuer-options.js';
import { isIssuerTemplate } from './routing/issuer-template.js';
import type { TokenCacheOptions } from './cache/token-cache.js';
import { DEFAULT_JWKS_CACHE_OPTIONS, resolveJwksCacheOptions, type JwksCacheInit } from './keys/jwks-options.js';
import { resolveIntrospection, type IntrospectionOptions, type ResolvedIntrospection } from './introspection/options.js';
import { rejectUnknownKeys } from './lib/known-keys.js';
import { resolveTelemetrySettings, type ResolvedTelemetry, type TelemetrySettings } from './observability/telemetry-settings.js';
import { resolveDpopOptions, type DpopOptions, type ResolvedDpop } from './binding/dpop-options.js';
import { resolveMtlsOptions, type MtlsOptions, type ResolvedMtls } from './binding/mtls.js';
import { ResourceMetadata, type BearerMethod, type ResourceMetadataOptions } from './metadata/resource-metadata.js';
import type { AccessToken, Algorithm, JwtClaims, JwtHeader } from './types.js';
import type { KeySource } from './keys/key-source.js';

/**
 * One trusted issuer, and how to read its tokens.
 *
 * @example
 * ```ts
 * const keycloak: IssuerConfig = { issuer: 'https://sso.example.com/realms/shop', audience: 'orders-api', roleClaims: ['realm_access.roles'] };
 * const cognito: IssuerConfig = {
 *   issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
 *   audienceClaim: { claim: 'client_id', values: ['4d5e6f'] }, requiredClaimValues: { token_use: 'access' },
 * };
 * ```
 */
export interface IssuerConfig extends IssuerReadingOptions {
  /**
   * The issuer identifier; the token's `iss` must equal it exactly (RFC 9068 §4). A string that is not
   * a URL (`accounts.google.com`, a project id) is accepted with `jwksUri` or `keySource` (discovery
   * needs a URL). A template holding `{tenantid}` matches the issuer of each allowed tenant (see `tenants`).
   */
  issuer: string;
  /** The JWKS URI; without it, RFC 8414 then OpenID Connect discovery from `issuer`. */
  jwksUri?: string | undefined;
  /** Audiences for this issuer; defaults to the verifier's `audience`. */
  audience?: string | readonly string[] | undefined;
  /** Allow-list for this issuer; defaults to the verifier's `algorithms`. */
  algorithms?: readonly Algorithm[] | undefined;
  /** An HMAC secret: enables HS256/384/512 for this issuer, and only them unless `algorithms` says more. */
  secret?: string | Uint8Array | KeyObject | undefined;
  /**
   * Where this issuer's keys come from, instead of the JWKS cache (discovery and `jwksUri` are then
   * unused): keys you hold yourself, or a cache of your own. See {@link KeySource}.
   */
  keySource?: KeySource | undefined;
  /**
   * RFC 7662 token introspection at this issuer. Without `introspect`, tokens are routed by their form:
   * a JWT (a compact JWS whose header parses and whose `iss` names this issuer) is verified locally with
   * the issuer's keys; anything else is introspected here (opaque tokens: at most one issuer may take
   * them). See {@link IntrospectionOptions}.
   */
  introspection?: IntrospectionOptions | undefined;
  /**
   * `'always'`: this issuer's JWTs are verified locally and then introspected too, to see revocation
   * (only for servers that introspect JWTs); such an issuer takes no opaque tokens. `'all'`: every token
   * of this issuer is introspected and never verified locally, JWTs included (a server that publishes no
   * keys, or whose JWTs only it may judge); it takes opaque tokens too.
   */
  introspect?: 'always' | 'all' | undefined;
}

/** A custom check run after every built-in one. Return `false` or throw to refuse the token. */
export type ValidateFunction<C extends object = JwtClaims> = (
  claims: AccessToken<C>['claims'],
  header: JwtHeader,
) => boolean | void | Promise<boolean | void>;

/** An issuer configuration that names its own audience, or an audience stand-in (`audienceClaim`). */
export type IssuerConfigWithAudience = IssuerConfig &
  ({ audience: string | readonly string[] } | { audienceClaim: AudienceClaim });

/**
 * Options of {@link createVerifier}. `audience` is required (RFC 9068 §4: a resource server checks `aud`), except
 * when every issuer configuration has its own. Keep the member requiring it last: TypeScript 5 and 7 then name it.
 *
 * @example
 * ```ts
 * const one: VerifierOptions = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };
 * const each: VerifierOptions = {
 *   issuer: [
 *     { issuer: 'https://a.example.com/', audience: 'https://api.example.com' },
 *     { issuer: 'https://b.example.com/', audience: 'api://orders' },
 *   ],
 * };
 * ```
 */
export type VerifierOptions<C extends object = JwtClaims> =
  | (VerifierCommonOptions<C> & {
      /** Issuer configurations that each name their own `audience`. */
      issuer: IssuerConfigWithAudience | readonly IssuerConfigWithAudience[];
      /** A default for entries without one; may be left out when every entry has its own. */
      audience?: string | readonly string[] | undefined;
    })
  | (Omit<VerifierCommonOptions<C>, 'resourceMetadata'> & {
      /** The issuer identifier, or a list of issuer configurations. */
      issuer: string | IssuerConfig | readonly IssuerConfig[];
      /** RFC 9728 metadata; without `audience`, tokens must be issued for its `resource` (RFC 8707). */
      resourceMetadata: ResourceMetadataOptions;
      audience?: string | readonly string[] | undefined;
    })
  | (VerifierCommonOptions<C> & {
      /** The issuer identifier, or a list of issuer configurations. */
      issuer: string | IssuerConfig | readonly IssuerConfig[];
      /** Accepted audiences: the token's `aud` must contain one. */
      audience: string | readonly string[];
    });

/** The members of {@link VerifierOptions} besides `issuer` and `audience`. */
export interface VerifierCommonOptions<C extends object = JwtClaims> {
  /** The JWKS URI for a single issuer given as a string. */
  jwksUri?: string | undefined;
  /** Allowed algorithms. Default: every asymmetric one (RS*, PS*, ES*, EdDSA). Never `none`. */
  algorithms?: readonly Algorithm[] | undefined;
  /** HMAC secret for a single issuer given as a string (see {@link IssuerConfig.secret}). */
  secret?: string | Uint8Array | KeyObject | undefined;
  /** Seconds of leeway on `exp`, `nbf` and `iat`. Default 5. */
  clockTolerance?: number | undefined;
  /** Seconds: refuse tokens whose `iat` is older (and tokens without `iat`). Default: no limit. */
  maxTokenAge?: number | undefined;
  /**
   * `'at+jwt'`: strict RFC 9068 mode, the header `typ` must be `at+jwt` (or `application/at+jwt`) and
   * the RFC 9068 §2.2 claims are required. Another value requires exactly that `typ`. Default: accept
   * `at+jwt`, `JWT` or no `typ`.
   */
  tokenType?: string | undefined;
  /** Claims that must be present. */
  requiredClaims?: readonly string[] | undefined;
  /**
   * Claims scopes are read from, besides `scope` and `scp` (e.g. `['permissions']`): claim paths (see
   * {@link ClaimPath}); the default of every issuer without its own `scopeClaims`.
   */
  scopeClaims?: readonly ClaimPath[] | undefined;
  /** A custom check; see {@link ValidateFunction}. */
  validate?: ValidateFunction<C> | undefined;
  /** The `realm` of every challenge. */
  realm?: string | undefined;
  /** Longest token accepted, in characters. Default 8192. */
  maxTokenLength?: number | undefined;
  /** Accept `?access_token=` (RFC 6750 §2.3). Default false: such a request is a 400. */
  allowQueryToken?: boolean | undefined;
  /** Accept a form-body `access_token` (RFC 6750 §2.2). Default false: such a request is a 400. */
  allowFormBodyToken?: boolean | undefined;
  /** JWKS cache settings (milliseconds). */
  jwks?: JwksCacheInit | undefined;
  /** Largest discovery document, in bytes. Default 64 KiB. */
  discoveryMaxBytes?: number | undefined;
  /**
   * The verified-token cache: a repeated token skips the signature check (time claims and key
   * presence are re-checked on every hit). On by default ({@link DEFAULT_TOKEN_CACHE}); `false` turns it off.
   */
  tokenCache?: TokenCacheOptions | false | undefined;
  /** DPoP-bound tokens (RFC 9449): the scheme, proof checks, replay store and request URL. See {@link DpopOptions}. */
  dpop?: DpopOptions | undefined;
  /** Certificate-bound tokens (RFC 8705): where the client certificate comes from. See {@link MtlsOptions}. */
  mtls?: MtlsOptions | undefined;
  /**
   * RFC 9728 protected-resource metadata: adapters serve the document at its well-known URL and every
   * 401 and 403 challenge carries `resource_metadata="<that URL>"`. Without `audience`, tokens must
   * be issued for `resourceMetadata.resource` (RFC 8707). See {@link ResourceMetadataOptions}.
   */
  resourceMetadata?: ResourceMetadataOptions | undefined;
  /** What the OpenTelemetry spans may carry: {@link TelemetrySettings}. */ telemetry?: TelemetrySettings | undefined;
}

export interface ResolvedIssuer {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly audiences: readonly string[];
  readonly algorithms: ReadonlySet<string>;
  readonly secret: KeyObject | undefined;
  readonly needsKeys: boolean;
  readonly keySource: KeySource | undefined;
  readonly introspection: ResolvedIntrospection | undefined;
  readonly introspect: 'always' | 'all' | undefined;
  /** Where grants, the client id and the audience stand-in are read; the template; request headers. */
  readonly reading: IssuerReading;
}

export interface ResolvedOptions<C extends object> extends ResolvedTelemetry {
  readonly issuers: readonly ResolvedIssuer[];
  readonly clockTolerance: number;
  readonly maxTokenAge: number | undefined;
  readonly tokenType: string | undefined;
  readonly requiredClaims: readonly string[];
  readonly validate: ValidateFunction<C> | undefined;
  readonly realm: string | undefined;
  readonly maxTokenLength: number;
  readonly allowQueryToken: boolean;
  readonly allowFormBodyToken: boolean;
  readonly jwks: JwksCacheInit;
  readonly discoveryMaxBytes: number;
  readonly tokenCache: TokenCacheOptions | false;
  readonly dpop: ResolvedDpop;
  readonly mtls: ResolvedMtls;
  readonly resourceMetadata: ResourceMetadata | undefined;
}

/** Every key {@link VerifierOptions} may hold. */
export const VERIFIER_OPTION_KEYS = [
  'issuer', 'audience', 'jwksUri', 'algorithms', 'secret', 'clockTolerance', 'maxTokenAge', 'tokenType',
  'requiredClaims', 'scopeClaims', 'validate', 'realm', 'maxTokenLength', 'allowQueryToken',
  'allowFormBodyToken', 'jwks', 'discoveryMaxBytes', 'tokenCache', 'dpop', 'mtls', 'resourceMetadata', 'telemetry',
] as const;

/** Every key an entry of the `issuer` list may hold. */
export const ISSUER_OPTION_KEYS = [
  'issuer', 'jwksUri', 'audience', 'algorithms', 'secret', 'keySource', 'introspection', 'introspect', ...ISSUER_READING_OPTION_KEYS,
] as const;

function fail(option: string, message: string): never {
  throw new TypeError(`Portcullis: option "${option}" ${message}`);
}

function stringList(value: unknown, option: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) {
    fail(option, 'must be a non-empty string or a non-empty list of non-empty strings');
  }
  return Object.freeze([...(list as string[])]);
}

function httpUrl(value: unknown, option: string): string {
  if (typeof value !== 'string') fail(option, 'must be a URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(option, `must be an absolute URL (got ${JSON.stringify(value)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, 'must be an http(s) URL');
  return value;
}

function nonNegative(value: unknown, option: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(option, 'must be a finite number ≥ 0');
  return value;
}

function toSecret(secret: unknown, option: string): KeyObject | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret === 'string' || secret instanceof Uint8Array) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    // RFC 7518 §3.2: a key of the same size as the hash output or larger; 32 bytes for HS256.
    if (bytes.length < 32) fail(option, 'must be at least 32 bytes (RFC 7518 §3.2)');
    return createSecretKey(bytes);
  }
  if (typeof secret === 'object' && secret !== null && (secret as KeyObject).type === 'secret') return secret as KeyObject;
  return fail(option, 'must be a string, a Uint8Array or a secret KeyObject');
}

function algorithmList(value: unknown, option: string, secret: KeyObject | undefined): ReadonlySet<string> {
  if (value === undefined) return new Set(secret !== undefined ? SYMMETRIC_ALGORITHMS : ASYMMETRIC_ALGORITHMS);
  if (!Array.isArray(value) || value.length === 0) fail(option, 'must be a non-empty list of algorithms');
  for (const alg of value) {
    if (!isSupportedAlgorithm(alg)) fail(option, `has an unsupported algorithm ${JSON.stringify(alg)} ('none' is never allowed)`);
    if (alg.startsWith('HS') && secret === undefined) fail(option, `has ${alg}, which needs an explicit "secret"`);
  }
  return new Set(value as string[]);
}

function resourceAudience(options: VerifierOptions<object>): string | undefined {
  const metadata: unknown = options.resourceMetadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const resource: unknown = (metadata as { resource?: unknown }).resource;
  // A wrong resource is reported by the metadata check, under its own name.
  return typeof resource === 'string' && resource !== '' ? resource : undefined;
}

/** `prefix` names where the issuer's settings were given: '' (top level), 'issuer.' or 'issuer[2].'. */
function resolveIssuer(config: IssuerConfig, prefix: string, defaults: VerifierOptions<object>): ResolvedIssuer {
  if (typeof config !== 'object' || config === null) fail(prefix.slice(0, -1) || 'issuer', 'must be a string or an issuer configuration');
  if (prefix !== '') rejectUnknownKeys(config, ISSUER_OPTION_KEYS, prefix.slice(0, -1));
  const issuerOption = prefix === '' ? 'issuer' : `${prefix}issuer`;
  const jwksUri = config.jwksUri === undefined ? undefined : httpUrl(config.jwksUri, `${prefix}jwksUri`);
  // Not a URL (Google's accounts.google.com, Descope's project id) or a template: matched exactly (or
  // through the template) and never discovered, so the keys must come from jwksUri or keySource.
  const ownKeys = jwksUri !== undefined || config.keySource !== undefined;
  const issuer = ownKeys || isIssuerTemplate(String(config.issuer)) ? checkIssuerString(config.issuer, issuerOption, ownKeys) : httpUrl(config.issuer, issuerOption);
  const reading = resolveIssuerReading(config, prefix, defaults.scopeClaims);
  // With resource metadata and no audience, tokens are bound to the resource identifier (RFC 8707, MCP).
  // An audience stand-in replaces the aud check; neither is never "no audience check".
  const audienceValue = config.audience ?? (reading.audienceClaim !== undefined ? [] : (defaults.audience ?? resourceAudience(defaults)));
  if (audienceValue === undefined) {
    fail('audience', 'is required (RFC 9068 §4: a resource server checks aud), or give resourceMetadata.resource, or an issuer\'s audienceClaim');
  }
  const standIn = reading.audienceClaim !== undefined && config.audience === undefined;
  const audiences = standIn ? Object.freeze([]) : stringList(audienceValue, config.audience !== undefined ? `${prefix}audience` : 'audience');
  const secret = toSecret(config.secret, `${prefix}secret`);
  const algorithms = algorithmList(config.algorithms ?? defaults.algorithms, config.algorithms !== undefined ? `${prefix}algorithms` : 'algorithms', secret);
  const needsKeys = [...algorithms].some((alg) => !alg.startsWith('HS'));
  const keySource = config.keySource;
  if (keySource !== undefined && (typeof keySource.peek !== 'function' || typeof keySource.load !== 'function')) {
    fail(`${prefix}keySource`, 'must have peek(kid) and load(kid) methods');
  }
  let introspection: ResolvedIntrospection | undefined;
  if (config.introspection !== undefined) {
    const jwks = defaults.jwks;
    const jwksTimeout = typeof jwks === 'object' && jwks !== null && typeof jwks.timeout === 'number' ? jwks.timeout : DEFAULT_JWKS_CACHE_OPTIONS.timeout;
    introspection = resolveIntrospection(config.introspection, `${prefix}introspection`, jwksTimeout);
  }
  const introspect = config.introspect;
  if (introspect !== undefined) {
    if (introspect !== 'always' && introspect !== 'all') fail(`${prefix}introspect`, "must be 'always', 'all' (or left out)");
    if (introspection === undefined) fail(`${prefix}introspect`, 'needs an "introspection" configuration on the same issuer');
  }
  if (introspect !== undefined && reading.template !== undefined) fail(`${prefix}introspect`, 'cannot be used with an issuer template');
  return { issuer, jwksUri, audiences, algorithms, secret, needsKeys, keySource, introspection, introspect, reading };
}

/** Validates and completes the options. Throws a `TypeError` naming the first wrong option. */
export function resolveOptions<C extends object>(options: VerifierOptions<C>): ResolvedOptions<C> {
  if (typeof options !== 'object' || options === null) throw new TypeError('Portcullis: options must be an object');
  const perIssuer = ISSUER_READING_OPTION_KEYS.find((key) => key !== 'scopeClaims' && Object.hasOwn(options, key));
  if (perIssuer !== undefined) fail(perIssuer, `goes inside the issuer configuration: issuer: { issuer, audience, ${perIssuer} }`);
  rejectUnknownKeys(options, VERIFIER_OPTION_KEYS, '');
  // `scopeClaims: 'permissions'` was accepted as a single name: still is.
  const scopeClaims: unknown = options.scopeClaims;
  if (scopeClaims !== undefined && typeof scopeClaims !== 'string' && !Array.isArray(scopeClaims)) fail('scopeClaims', 'must be a list of claim paths');
  const base = { ...options, scopeClaims: typeof scopeClaims === 'string' ? [scopeClaims] : scopeClaims } as VerifierOptions<object>;
  if (Array.isArray(base.scopeClaims)) compileClaimPaths(base.scopeClaims, 'scopeClaims');
  let issuers: ResolvedIssuer[];
  if (typeof options.issuer === 'string') {
    issuers = [resolveIssuer({ issuer: options.issuer, jwksUri: options.jwksUri, secret: options.secret }, '', base)];
  } else if (Array.isArray(options.issuer)) {
    if (options.issuer.length === 0) fail('issuer', 'must not be an empty list');
    if (options.jwksUri !== undefined) fail('jwksUri', 'goes inside each issuer configuration when "issuer" is a list');
    if (options.secret !== undefined) fail('secret', 'goes inside each issuer configuration when "issuer" is a list');
    issuers = (options.issuer as readonly IssuerConfig[]).map((config, i) => resolveIssuer(config, `issuer[${i}].`, base));
  } else if (typeof options.issuer === 'object' && options.issuer !== null) {
    issuers = [resolveIssuer(options.issuer as IssuerConfig, 'issuer.', base)];
  } else {
    fail('issuer', 'is required: the issuer identifier, or a list of issuer configurations');
  }
  const seen = new Set<string>();
  for (const { issuer } of issuers) {
    if (seen.has(issuer)) fail('issuer', `lists ${issuer} twice`);
    seen.add(issuer);
  }
  // An opaque token names no issuer: with two candidates it would be sent to one that did not issue it.
  const opaque = issuers.map((entry, i) => ({ entry, i })).filter(({ entry }) => entry.introspection !== undefined && entry.introspect !== 'always');
  if (opaque.length > 1) {
    fail(`issuer[${opaque[1]!.i}].introspection`, "is a second issuer taking opaque tokens; only one may (set introspect: 'always' on JWT issuers)");
  }

  const tokenType = options.tokenType === undefined ? undefined : normalizeMediaType(String(options.tokenType));
  if (options.tokenType !== undefined && (typeof options.tokenType !== 'string' || options.tokenType === '')) {
    fail('tokenType', "must be a media type such as 'at+jwt'");
  }
  if (options.validate !== undefined && typeof options.validate !== 'function') fail('validate', 'must be a function');
  if (options.realm !== undefined && typeof options.realm !== 'string') fail('realm', 'must be a string');
  const maxTokenLength = nonNegative(options.maxTokenLength, 'maxTokenLength', 8192)!;
  if (maxTokenLength < 16) fail('maxTokenLength', 'must be at least 16');
  const requiredClaims = options.requiredClaims === undefined ? [] : stringList(options.requiredClaims, 'requiredClaims');
  if (options.jwks !== undefined && (typeof options.jwks !== 'object' || options.jwks === null || Array.isArray(options.jwks))) fail('jwks', 'must be an object');
  const tokenCache = options.tokenCache === undefined ? {} : options.tokenCache;
  if (tokenCache !== false && (typeof tokenCache !== 'object' || tokenCache === null || Array.isArray(tokenCache))) fail('tokenCache', 'must be false or an object');
  // Checked here, once, so that a wrong cache setting fails at construction rather than on the first fetch.
  resolveJwksCacheOptions(options.jwks);
  const bearerMethods: BearerMethod[] = ['header'];
  if (options.allowFormBodyToken === true) bearerMethods.push('body');
  if (options.allowQueryToken === true) bearerMethods.push('query');
  const resourceMetadata =
    options.resourceMetadata === undefined
      ? undefined
      : new ResourceMetadata(options.resourceMetadata, {
          // RFC 9728 §2: issuer identifiers, which are URLs; a template names no one server.
          authorizationServers: issuers.filter((entry) => entry.reading.template === undefined && /^https?:\/\//.test(entry.issuer)).map((entry) => entry.issuer),
          bearerMethodsSupported: bearerMethods,
        });

  return {
    issuers,
    clockTolerance: nonNegative(options.clockTolerance, 'clockTolerance', 5)!,
    maxTokenAge: nonNegative(options.maxTokenAge, 'maxTokenAge', undefined),
    tokenType,
    requiredClaims,
    validate: options.validate,
    realm: options.realm,
    maxTokenLength,
    allowQueryToken: options.allowQueryToken === true,
    allowFormBodyToken: options.allowFormBodyToken === true,
    jwks: options.jwks ?? {},
    discoveryMaxBytes: nonNegative(options.discoveryMaxBytes, 'discoveryMaxBytes', 64 * 1024)!,
    tokenCache,
    dpop: resolveDpopOptions(options.dpop),
    mtls: resolveMtlsOptions(options.mtls),
    resourceMetadata, telemetry: resolveTelemetrySettings(options.telemetry),
  };
}
