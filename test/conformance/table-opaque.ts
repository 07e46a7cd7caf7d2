/**
 * Opaque-token scenarios (RFC 7662 introspection), run through every adapter with the rows of
 * `table.ts` and held to the same byte-identical check. `opaque` is the one issuer the verifier
 * introspects opaque tokens at; `introspectionDown` is a JWT issuer with `introspect: 'always'` whose
 * introspection endpoint is down from the start.
 */
import type { FakeIssuer } from '@portcullis/testing';
import type { Expected, Row, TokenRecipe } from './table.js';

/** The clients of the opaque issuers: the API's own client, which introspects. */
export const INTROSPECTING_CLIENT = Object.freeze({ clientId: 'conformance-api', clientSecret: 'conformance-api-secret' });

export interface OpaqueIssuers {
  opaque: FakeIssuer;
  introspectionDown: FakeIssuer;
}

const bearer: (readonly [string, string])[] = [['Authorization', 'Bearer $TOKEN']];
const now = () => Math.floor(Date.now() / 1000);

const row = (name: string, path: string, token: TokenRecipe, expect: Expected, optional = false): Row => ({
  name: `opaque: ${name}`,
  path,
  headers: bearer,
  token,
  expect,
  ...(optional ? { optional } : {}),
});
const refused = (name: string, token: TokenRecipe): Row => row(name, '/protected', token, { status: 401, error: 'invalid_token' });

export const OPAQUE_ROWS: readonly Row[] = [
  row('an active opaque token reaches the handler', '/protected', ({ opaque }) => opaque.mintOpaque(), { status: 200, auth: true }),
  row('an opaque token with the required scope', '/read', ({ opaque }) => opaque.mintOpaque({ scope: 'orders:read' }), { status: 200, auth: true }),
  row('an opaque token without the required scope: 403', '/read', ({ opaque }) => opaque.mintOpaque({ scope: 'orders:write' }), {
    status: 403,
    error: 'insufficient_scope',
    scope: 'orders:read',
  }),
  row('all-of with both scopes', '/read-write', ({ opaque }) => opaque.mintOpaque({ scope: 'orders:write orders:read' }), { status: 200, auth: true }),
  refused('a token the issuer never handed out', () => 'FOEtUHwg0das9PhsasVmgMGbZn7nWSgK'),
  refused('a token with a dot that is no JWS (Hydra style)', () => 'ory_at_FOEtUHwg0das9PhsasVmgMGb.Zn7nWSgK0das9'),
  refused('a revoked token', ({ opaque }) => {
    const token = opaque.mintOpaque();
    opaque.revoke(token);
    return token;
  }),
  refused('an expired token', ({ opaque }) => opaque.mintOpaque({}, { lifetime: -60 })),
  refused('a token for another audience', ({ opaque }) => opaque.mintOpaque({ aud: 'https://other.example.com' })),
  refused('a token without aud (as a refresh token introspects)', ({ opaque }) => opaque.mintOpaque({ aud: undefined, token_type: undefined })),
  refused('a token marked as a refresh token (token_use)', ({ opaque }) => opaque.mintOpaque({ token_use: 'refresh_token' })),
  refused('a token whose response names another issuer', ({ opaque }) => opaque.mintOpaque({ iss: 'https://other.example.com' })),
  refused('a token whose response says active "true" as a string', ({ opaque }) => opaque.mintOpaque({ active: 'true' })),
  refused('a token not valid before a time in the future', ({ opaque }) => opaque.mintOpaque({ nbf: now() + 600 })),
  row('a JWT of the introspecting issuer is verified with its published keys', '/protected', ({ opaque }) => opaque.mint(), { status: 200, auth: true }),
  row('a JWS-shaped opaque token (its header does not parse) is introspected', '/protected', ({ opaque }) => opaque.mintOpaque({}, { shape: 'jws' }), { status: 200, auth: true }),
  row('optional: an active opaque token is verified', '/protected', ({ opaque }) => opaque.mintOpaque(), { status: 200, auth: true }, true),
  row('optional: an inactive opaque token is still refused', '/protected', () => 'FOEtUHwg0das9PhsasVmgMGbZn7nWSgK', { status: 401, error: 'invalid_token' }, true),
  row('introspection endpoint down: 503 with Retry-After and no challenge', '/protected', ({ introspectionDown }) => introspectionDown.mint(), {
    status: 503,
    retryAfter: true,
  }),
];
