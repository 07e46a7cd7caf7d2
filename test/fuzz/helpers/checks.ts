/**
 * The invariants the fuzz properties hold every outcome to: what an AuthError must look like, what
 * a challenge must look like (RFC 9110 §11.6.1 / §5.6.4, RFC 6750 §3), and an independent signature
 * check for any token that passes.
 */
import { createPublicKey, constants, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { validateHeaderValue } from 'node:http';
import { expect } from 'vitest';
import { AuthError } from '@portcullis/core';
import type { FakeIssuer, MintOptions } from '@portcullis/testing';

/** RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE. */
export const QUOTED_STRING = /^"(?:[\t \x21\x23-\x5B\x5D-\x7E\x80-\xFF]|\\[\t \x21-\x7E\x80-\xFF])*"$/;
const QUOTED = String.raw`"(?:[\t \x21\x23-\x5B\x5D-\x7E\x80-\xFF]|\\[\t \x21-\x7E\x80-\xFF])*"`;
/**
 * One or more challenges (`Bearer` or `DPoP`, RFC 9449 §7.1), each bare or with comma-separated
 * auth-params whose values are quoted-strings.
 */
const ONE_CHALLENGE = String.raw`(?:Bearer|DPoP)(?: [a-z_]+=${QUOTED}(?:, [a-z_]+=${QUOTED})*)?`;
const BEARER_CHALLENGE = new RegExp(String.raw`^${ONE_CHALLENGE}(?:, ${ONE_CHALLENGE})*$`);
/** RFC 6750 §3: error_description and scope values stay within %x20-21 / %x23-5B / %x5D-7E. */
const RFC6750_VALUE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/** Undoes quoted-pair escaping. */
export function unquote(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(.)/gs, '$1');
}

/** The auth-params of a Bearer challenge; throws unless the whole value is well-formed. */
export function parseChallenge(value: string): Record<string, string> {
  expect(value, 'WWW-Authenticate is a well-formed Bearer challenge').toMatch(BEARER_CHALLENGE);
  const params: Record<string, string> = {};
  for (const match of value.matchAll(new RegExp(String.raw`([a-z_]+)=(${QUOTED})`, 'g'))) params[match[1]!] = unquote(match[2]!);
  return params;
}

/** Checks a challenge as sent: grammar, Node accepts it as a header value, RFC 6750 value sets. */
export function checkChallenge(value: string): Record<string, string> {
  expect(() => validateHeaderValue('WWW-Authenticate', value)).not.toThrow();
  const params = parseChallenge(value);
  for (const name of ['error_description', 'scope'] as const) {
    if (params[name] !== undefined) expect(params[name], `${name} stays within RFC 6750 §3's characters`).toMatch(RFC6750_VALUE);
  }
  if (params.error !== undefined) expect(['invalid_request', 'invalid_token', 'insufficient_scope', 'invalid_dpop_proof', 'use_dpop_nonce']).toContain(params.error);
  return params;
}

/**
 * What every rejection must be: an AuthError with a consistent status and code, renderable headers,
 * a JSON body of exactly `{ error, error_description }` (`{ error_description }` without credentials), and nothing of the token in any of it.
 */
export function checkAuthError(error: unknown, token?: string): AuthError {
  expect(error, 'core throws nothing but an AuthError').toBeInstanceOf(AuthError);
  const authError = error as AuthError;
  const statusOf = {
    invalid_request: 400, invalid_token: 401, credentials_required: 401, insufficient_scope: 403, keys_unavailable: 503,
    introspection_unavailable: 503, invalid_dpop_proof: 401, use_dpop_nonce: 401, replay_store_unavailable: 503,
  } as const;
  expect(authError.status).toBe(statusOf[authError.code]);
  const headers = authError.headers;
  for (const [name, value] of Object.entries(headers)) expect(() => validateHeaderValue(name, value)).not.toThrow();
  if (authError.status === 503) expect(headers['Retry-After']).toMatch(/^[1-9]\d*$/);
  else {
    const params = checkChallenge(headers['WWW-Authenticate']!);
    if (authError.code === 'credentials_required') expect(params.error).toBeUndefined();
    else expect(params.error).toBe(authError.code);
  }
  // A missing credential has no error code, in the challenge or the body (RFC 6750 §3.1).
  const bare = authError.code === 'credentials_required';
  expect(Object.keys(authError.toJSON()).sort()).toEqual(bare ? ['error_description'] : ['error', 'error_description']);
  if (token !== undefined && token.length >= 16) {
    const rendered = `${authError.message} ${JSON.stringify(authError.toJSON())} ${JSON.stringify(headers)}`;
    expect(rendered.includes(token), 'no error text holds the token').toBe(false);
  }
  return authError;
}

/**
 * Wraps an issuer so that every token signed with one of its real keys is remembered: a token may
 * pass verification only if it is byte for byte one of these.
 */
export function recordGenuine(issuer: FakeIssuer): { genuine: Set<string>; mint: FakeIssuer['mint'] } {
  const genuine = new Set<string>();
  const mint = (claims?: Record<string, unknown>, options?: MintOptions): string => {
    const token = issuer.mint(claims, options);
    const realKey = options?.key === undefined || options.key === 'current';
    if (realKey && options?.alg !== 'none' && !options?.alg?.startsWith('HS')) genuine.add(token);
    return token;
  };
  return { genuine, mint };
}

/**
 * Verifies a compact JWS with node:crypto against the issuer's published keys, independently of
 * Portcullis: the alg of the header, the kid's key, nothing from the token.
 */
export function signedByIssuer(token: string, issuer: FakeIssuer): boolean {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as { alg: string; kid?: string };
  const jwk = issuer.kids().includes(header.kid ?? '') ? (issuer.publicJwk(header.kid!) as JsonWebKey) : undefined;
  if (jwk === undefined) return false;
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const input = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s!, 'base64url');
  const digest = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }[header.alg.slice(2)];
  if (header.alg === 'EdDSA' || header.alg === 'Ed25519') return cryptoVerify(null, input, key, signature);
  if (header.alg.startsWith('RS')) return cryptoVerify(digest, input, key, signature);
  if (header.alg.startsWith('PS')) {
    return cryptoVerify(digest, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
  }
  if (header.alg.startsWith('ES')) return cryptoVerify(digest, input, { key, dsaEncoding: 'ieee-p1363' }, signature);
  return false;
}
