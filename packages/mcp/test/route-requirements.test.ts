/**
 * requireMcpAuth's `requiredRoles` and `claims`: the same 403 as every adapter (issue 18), on a plain
 * node:http server, with tokens from the fake issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier, requireMcpAuth, type McpRequest, type Verifier } from '../src/index.js';
import { listen, type Listening } from './helpers.js';

let issuer: FakeIssuer;
let http: Listening;
let verifier: Verifier;
let resource: string;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  http = await listen();
  resource = `${http.origin}/mcp`;
  verifier = createVerifier({
    issuer: { issuer: issuer.url, jwksUri: issuer.jwksUri, roleClaims: ['realm_access.roles'], audience: resource },
    resourceMetadata: { resource },
  });
  const auth = requireMcpAuth(verifier, { scopes: ['tools:call'], requiredRoles: ['agent'], claims: { tenant: 'acme' } });
  http.server.on('request', (req: McpRequest, res) => auth(req, res, () => res.end(`ok ${req.auth?.clientId ?? ''}`)));
});
afterAll(async () => {
  verifier.close();
  await http.close();
  await issuer.close();
});

async function call(claims: Record<string, unknown>): Promise<{ status: number; challenge: string | null; body: string }> {
  const token = issuer.mint({ aud: resource, ...claims });
  const answer = await fetch(resource, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: answer.status, challenge: answer.headers.get('www-authenticate'), body: await answer.text() };
}

describe('requireMcpAuth route requirements', () => {
  it('happy flow: the scope, the role and the claim', async () => {
    const answer = await call({ scope: 'tools:call', realm_access: { roles: ['agent'] }, tenant: 'acme', client_id: 'bot' });
    expect([answer.status, answer.body]).toEqual([200, 'ok bot']);
  });

  it('error flow: a missing role and a wrong claim are 403 insufficient_scope naming them, with resource_metadata', async () => {
    const metadata = `${http.origin}/.well-known/oauth-protected-resource/mcp`;
    const role = await call({ scope: 'tools:call', realm_access: { roles: ['viewer'] }, tenant: 'acme' });
    expect(role.status).toBe(403);
    expect(role.challenge).toBe(
      `Bearer error="insufficient_scope", error_description="the token lacks a required role: agent", resource_metadata="${metadata}"`,
    );
    const claim = await call({ scope: 'tools:call', realm_access: { roles: ['agent'] }, tenant: 'globex' });
    expect(claim.status).toBe(403);
    expect(JSON.parse(claim.body)).toEqual({ error: 'insufficient_scope', error_description: "the token's tenant claim does not meet the requirement of this resource" });
    expect(claim.body).not.toContain('globex');
  });

  it('error flow: wrong options are a TypeError at construction', () => {
    expect(() => requireMcpAuth(verifier, { requiredRoles: [] })).toThrow(/"requiredRoles"/);
    expect(() => requireMcpAuth(verifier, { claims: { tenant: { equals: 'x' } as never } })).toThrow(/"requireMcpAuth\.claims\.tenant"/);
  });
});
