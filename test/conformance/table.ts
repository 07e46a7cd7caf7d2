/**
 * One table of scenarios, run identically against every adapter: a request (method, path, raw header
 * lines, optional mode) with a token recipe from the fake issuer, and the expected answer. A
 * difference between adapters is a defect of an adapter, never an entry here.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { FakeIssuer } from '@portcullis/testing';
import type { OpaqueIssuers } from './table-opaque.js';

export interface Issuers extends OpaqueIssuers {
  /** The issuer the verifier trusts. */
  good: FakeIssuer;
  /** A second trusted issuer whose JWKS is down from the start: its tokens can only get a 503. */
  down: FakeIssuer;
}

export interface Expected {
  status: number;
  /** The challenge's error code; null for a bare challenge; undefined when there must be no challenge. */
  error?: string | null;
  /** The whole `WWW-Authenticate` value, when the row pins it exactly. */
  challenge?: string;
  /** The challenge's `scope` attribute. */
  scope?: string;
  /** The challenge's `error_description` (and the body's), when the row pins it. */
  description?: string;
  /** For 2xx answers: the handler saw a verified token (true) or ran without one (false). */
  auth?: boolean;
  retryAfter?: boolean;
}

export type TokenRecipe = (issuers: Issuers) => string;

export interface Row {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  /** Raw header lines, so that a row can send two Authorization lines. `$TOKEN` is replaced. */
  headers?: readonly (readonly [string, string])[];
  token?: TokenRecipe;
  body?: string;
  optional?: boolean;
  expect: Expected;
}

export const REALM = 'conformance';

/** The role and claim requirements of the `/roles`, `/any-role` and `/claims` routes, the same in every app. */
export const ROUTE_ROLES = ['orders-admin', 'auditor'] as const;
export const ROUTE_ANY_ROLE = ['orders-admin', 'support'] as const;
export const ROUTE_CLAIMS = {
  tenant: 'acme',
  'realm_access.roles': { includes: 'approver' },
  level: (value: unknown) => typeof value === 'number' && value >= 2,
} as const;
const now = () => Math.floor(Date.now() / 1000);
const bearer = (value = '$TOKEN'): (readonly [string, string])[] => [['Authorization', `Bearer ${value}`]];
const sigOf = (t: string) => t.slice(t.lastIndexOf('.') + 1);
const withSig = (t: string, sig: string) => t.slice(0, t.lastIndexOf('.') + 1) + sig;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const ok = (scope = 'orders:read'): TokenRecipe => ({ good }) => good.mint({ scope });
const invalid = (name: string, token: TokenRecipe, path = '/protected'): Row => ({
  name,
  path,
  headers: bearer(),
  token,
  expect: { status: 401, error: 'invalid_token' },
});
const badRequest = (name: string, headers: readonly (readonly [string, string])[], path = '/protected'): Row => ({
  name,
  path,
  headers,
  token: ok(),
  expect: { status: 400, error: 'invalid_request' },
});
/** DPoP's default mode is 'allowed': a bare 401 offers both schemes (RFC 9449 §7.1). */
export const DPOP_ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';
const bare = { status: 401, error: null, challenge: `Bearer realm="${REALM}", DPoP realm="${REALM}", algs="${DPOP_ALGS}"` } as const;
const scoped = (name: string, scope: string | string[], path: string, expect: Expected): Row => ({
  name,
  path,
  headers: bearer(),
  token: ({ good }) => (Array.isArray(scope) ? good.mint({ scope: undefined, scp: scope }) : good.mint({ scope })),
  expect,
});

const roleRow = (name: string, roles: readonly string[] | undefined, path: string, expect: Expected, scope = 'orders:read'): Row => ({
  name,
  path,
  headers: bearer(),
  token: ({ good }) => good.mint({ scope, roles }),
  expect,
});
const claimRow = (name: string, claims: Record<string, unknown>, expect: Expected): Row => ({
  name,
  path: '/claims',
  headers: bearer(),
  token: ({ good }) => good.mint(claims),
  expect,
});

export const ROWS: readonly Row[] = [
  // The credential grammar (RFC 6750 §2.1)
  { name: 'no Authorization header: bare challenge', path: '/protected', expect: bare },
  { name: 'Basic scheme: bare challenge', path: '/protected', headers: [['Authorization', 'Basic ZGVtbzpkZW1v']], expect: bare },
  { name: 'another scheme (Token): bare challenge', path: '/protected', headers: [['Authorization', 'Token abc']], expect: bare },
  { name: '"Bearerabc" is not the Bearer scheme: bare challenge', path: '/protected', headers: [['Authorization', 'Bearerabc']], expect: bare },
  { name: 'an empty Authorization header: bare challenge', path: '/protected', headers: [['Authorization', '']], expect: bare },
  { name: 'Bearer scheme is case-insensitive', path: '/protected', headers: [['Authorization', 'bEaReR $TOKEN']], token: ok(), expect: { status: 200, auth: true } },
  { name: 'several spaces after Bearer', path: '/protected', headers: [['Authorization', 'Bearer    $TOKEN']], token: ok(), expect: { status: 200, auth: true } },
  badRequest('"Bearer" with no token', [['Authorization', 'Bearer']]),
  badRequest('a token with an inner space', [['Authorization', 'Bearer $TOKEN extra']]),
  badRequest('a tab instead of a space', [['Authorization', 'Bearer\t$TOKEN']]),
  badRequest('a comma in the token', [['Authorization', 'Bearer $TOKEN,']]),
  badRequest('a quoted token', [['Authorization', 'Bearer "$TOKEN"']]),
  badRequest('padding in the middle of a b64token', [['Authorization', 'Bearer ab=cd']]),
  badRequest('two Authorization header lines', [
    ['Authorization', 'Bearer $TOKEN'],
    ['Authorization', 'Bearer $TOKEN'],
  ]),
  { name: 'a query-string token when that is off', path: '/protected?access_token=abc', expect: { status: 400, error: 'invalid_request' } },
  { name: 'a header token and a query token', path: '/protected?access_token=abc', headers: bearer(), token: ok(), expect: { status: 400, error: 'invalid_request' } },
  { name: 'a query parameter that merely contains the word is fine', path: '/protected?no_access_token_here=1', headers: bearer(), token: ok(), expect: { status: 200, auth: true } },

  // The token (RFC 7515, 7519, 8725, 9068): every failure is 401 invalid_token
  { name: 'a valid RS256 token reaches the handler', path: '/protected', headers: bearer(), token: ok(), expect: { status: 200, auth: true } },
  { name: 'a valid ES256 token', path: '/protected', headers: bearer(), token: ({ good }) => good.mint({}, { alg: 'ES256' }), expect: { status: 200, auth: true } },
  { name: 'a valid EdDSA token', path: '/protected', headers: bearer(), token: ({ good }) => good.mint({}, { alg: 'EdDSA' }), expect: { status: 200, auth: true } },
  invalid('not a JWS at all', () => 'abc'),
  invalid('two segments', ({ good }) => good.mint().split('.').slice(0, 2).join('.')),
  invalid('a header that is not JSON', ({ good }) => `bm90LWpzb24.${good.mint().split('.').slice(1).join('.')}`),
  invalid('a payload that is not JSON', ({ good }) => { const [h, , s] = good.mint().split('.'); return `${h}.bm90LWpzb24.${s}`; }),
  invalid('expired', ({ good }) => good.mint({}, { lifetime: -60 })),
  { name: 'expired two seconds ago, within the clock tolerance', path: '/protected', headers: bearer(), token: ({ good }) => good.mint({ exp: now() - 2 }), expect: { status: 200, auth: true } },
  invalid('nbf in the future', ({ good }) => good.mint({ nbf: now() + 600 })),
  { name: 'nbf a second ahead, within the clock tolerance', path: '/protected', headers: bearer(), token: ({ good }) => good.mint({ nbf: now() + 1 }), expect: { status: 200, auth: true } },
  invalid('iat in the future', ({ good }) => good.mint({ iat: now() + 600 })),
  invalid('no exp', ({ good }) => good.mint({ exp: undefined })),
  invalid('exp as a string', ({ good }) => good.mint({ exp: String(now() + 600) })),
  invalid('another audience', ({ good }) => good.mint({ aud: 'https://other.example.com' })),
  { name: 'an audience list that contains ours', path: '/protected', headers: bearer(), token: ({ good }) => good.mint({ aud: ['https://other.example.com', good.audience] }), expect: { status: 200, auth: true } },
  invalid('an unknown issuer', ({ good }) => good.mint({ iss: 'https://attacker.example.com' })),
  invalid('the issuer with a trailing slash added', ({ good }) => good.mint({ iss: `${good.url}/` })),
  invalid('sub that is not a string', ({ good }) => good.mint({ sub: 42 })),
  invalid('signed by an attacker key under the real kid', ({ good }) => good.mint({}, { key: 'attacker' })),
  invalid('alg none', ({ good }) => good.mint({}, { alg: 'none' })),
  invalid('HS256 signed with the RSA public key (algorithm confusion)', ({ good }) =>
    good.mint({}, {
      alg: 'HS256',
      secret: createPublicKey({ key: good.publicJwk(good.currentKid('RS256')) as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString(),
    })),
  invalid('an embedded jwk of the attacker key', ({ good }) => good.mint({}, { key: 'attacker', kid: null, header: { jwk: good.attackerJwk } })),
  invalid('a jku pointing at the attacker', ({ good }) => good.mint({}, { key: 'attacker', header: { jku: 'http://127.0.0.1:9/jwks.json' } })),
  invalid('an x5u pointing at the attacker', ({ good }) => good.mint({}, { key: 'attacker', header: { x5u: 'http://127.0.0.1:9/cert.pem' } })),
  invalid('an unknown crit extension', ({ good }) => good.mint({}, { header: { crit: ['urn:example'], 'urn:example': true } })),
  invalid('an unencoded payload (b64 false)', ({ good }) => good.mint({}, { header: { b64: false, crit: ['b64'] } })),
  invalid('a padded signature', ({ good }) => { const t = good.mint({}, { alg: 'ES256' }); return `${t}==`; }),
  invalid('a re-spelled signature (non-zero trailing bits)', ({ good }) => {
    const t = good.mint({}, { alg: 'ES256' });
    const s = sigOf(t);
    return withSig(t, s.slice(0, -1) + B64URL[B64URL.indexOf(s.at(-1)!) ^ 1]!);
  }),
  invalid('the signature of another token', ({ good }) => withSig(good.mint({ sub: 'a' }), sigOf(good.mint({ sub: 'b' })))),
  invalid('an oversized token (over 8192 characters)', ({ good }) => good.mint({ padding: 'x'.repeat(9000) })),
  invalid('typ JOSE', ({ good }) => good.mint({}, { header: { typ: 'JOSE' } })),
  { name: 'typ JWT is accepted in lenient mode', path: '/protected', headers: bearer(), token: ({ good }) => good.mint({}, { header: { typ: 'JWT' } }), expect: { status: 200, auth: true } },
  { name: 'typ application/at+jwt', path: '/protected', headers: bearer(), token: ({ good }) => good.mint({}, { header: { typ: 'application/at+jwt' } }), expect: { status: 200, auth: true } },
  invalid('an unknown kid', ({ good }) => good.mint({}, { kid: 'no-such-kid' })),
  invalid('a kid that is a number', ({ good }) => good.mint({}, { header: { kid: 7 } })),
  invalid('PS256 with a key published for RS256', ({ good }) => good.mint({}, { alg: 'PS256' })),
  invalid('ES256 naming the RSA key', ({ good }) => good.mint({}, { alg: 'ES256', kid: good.currentKid('RS256') })),
  invalid('an expired token on a scoped route is 401, not 403', ({ good }) => good.mint({ scope: 'orders:read' }, { lifetime: -60 }), '/read'),

  // Scopes (RFC 6749 §3.3, RFC 6750 §3.1)
  scoped('the required scope', 'orders:read', '/read', { status: 200, auth: true }),
  scoped('the required scope among others', 'profile orders:read email', '/read', { status: 200, auth: true }),
  scoped('scopes from an scp array', ['orders:read'], '/read', { status: 200, auth: true }),
  scoped('no scope at all', '', '/read', { status: 403, error: 'insufficient_scope', scope: 'orders:read' }),
  scoped('a scope in another case', 'Orders:Read', '/read', { status: 403, error: 'insufficient_scope', scope: 'orders:read' }),
  scoped('a prefix of the scope', 'orders', '/read', { status: 403, error: 'insufficient_scope', scope: 'orders:read' }),
  scoped('a longer scope starting with it', 'orders:read:all', '/read', { status: 403, error: 'insufficient_scope', scope: 'orders:read' }),
  scoped('__proto__ is just a scope', '__proto__ constructor', '/read', { status: 403, error: 'insufficient_scope', scope: 'orders:read' }),
  scoped('all-of with one of two', 'orders:read', '/read-write', { status: 403, error: 'insufficient_scope', scope: 'orders:read orders:write' }),
  scoped('all-of with both', 'orders:write orders:read', '/read-write', { status: 200, auth: true }),
  scoped('any-of with the second', 'orders:admin', '/any', { status: 200, auth: true }),
  scoped('any-of with neither', 'orders:read', '/any', { status: 403, error: 'insufficient_scope', scope: 'orders:write orders:admin' }),

  // Roles and claims per route (issue 18): 403 insufficient_scope naming the roles or the claim, no scope attribute
  roleRow('every required role', ['auditor', 'orders-admin'], '/roles', { status: 200, auth: true }),
  roleRow('one required role of two', ['orders-admin'], '/roles', { status: 403, error: 'insufficient_scope', description: 'the token lacks a required role: auditor' }),
  roleRow('no roles claim at all', undefined, '/roles', { status: 403, error: 'insufficient_scope', description: 'the token lacks a required role: orders-admin, auditor' }),
  roleRow('roles in another case', ['Orders-Admin', 'Auditor'], '/roles', { status: 403, error: 'insufficient_scope', description: 'the token lacks a required role: orders-admin, auditor' }),
  roleRow('scopes are no roles', undefined, '/roles', { status: 403, error: 'insufficient_scope', description: 'the token lacks a required role: orders-admin, auditor' }, 'orders-admin auditor'),
  roleRow('any-of roles with the second', ['support'], '/any-role', { status: 200, auth: true }),
  roleRow('any-of roles with neither', ['auditor'], '/any-role', { status: 403, error: 'insufficient_scope', description: 'the token has none of the accepted roles: orders-admin, support' }),
  claimRow('every claim condition holds', { tenant: 'acme', realm_access: { roles: ['approver'] }, level: 3 }, { status: 200, auth: true }),
  claimRow('a claim with another value', { tenant: 'globex', realm_access: { roles: ['approver'] }, level: 3 }, { status: 403, error: 'insufficient_scope', description: "the token's tenant claim does not meet the requirement of this resource" }),
  claimRow('a nested claim that does not include the value', { tenant: 'acme', realm_access: { roles: ['viewer'] }, level: 3 }, { status: 403, error: 'insufficient_scope', description: "the token's realm_access.roles claim does not meet the requirement of this resource" }),
  claimRow('a claim that fails its predicate', { tenant: 'acme', realm_access: { roles: ['approver'] }, level: '9' }, { status: 403, error: 'insufficient_scope', description: "the token's level claim does not meet the requirement of this resource" }),
  invalid('an expired token on a role route is 401, not 403', ({ good }) => good.mint({ roles: [...ROUTE_ROLES] }, { lifetime: -60 }), '/roles'),
  { name: 'optional: a role route without a credential is a bare 401', optional: true, path: '/roles', expect: bare },
  { name: 'optional: a claims route without a credential is a bare 401', optional: true, path: '/claims', expect: bare },

  // Unprotected routes and bodies
  { name: 'a public route without a token', path: '/public', expect: { status: 200 } },
  { name: 'a public route ignores even a garbage token', path: '/public', headers: bearer('garbage'), expect: { status: 200 } },
  { name: 'a POST with a JSON body and no token', method: 'POST', path: '/protected', headers: [['Content-Type', 'application/json']], body: '{"order":1}', expect: bare },
  { name: 'a POST with a JSON body and a token', method: 'POST', path: '/protected', headers: [...bearer(), ['Content-Type', 'application/json']], token: ok(), body: '{"order":1}', expect: { status: 200, auth: true } },

  // Optional mode
  { name: 'optional: no credential passes without auth', optional: true, path: '/protected', expect: { status: 200, auth: false } },
  { name: 'optional: a valid token is still verified', optional: true, path: '/protected', headers: bearer(), token: ok(), expect: { status: 200, auth: true } },
  { name: 'optional: an invalid token is still refused', optional: true, path: '/protected', headers: bearer(), token: ({ good }) => good.mint({}, { lifetime: -60 }), expect: { status: 401, error: 'invalid_token' } },
  { name: 'optional: a malformed header is still a 400', optional: true, path: '/protected', headers: [['Authorization', 'Bearer']], expect: { status: 400, error: 'invalid_request' } },
  { name: 'optional: a scoped route without a credential is a bare 401', optional: true, path: '/read', expect: bare },
  { name: 'optional: a scoped route with the scope', optional: true, path: '/read', headers: bearer(), token: ok(), expect: { status: 200, auth: true } },

  // Keys that cannot be had
  { name: 'JWKS down and nothing cached: 503 with Retry-After and no challenge', path: '/protected', headers: bearer(), token: ({ down }) => down.mint(), expect: { status: 503, retryAfter: true } },
];
