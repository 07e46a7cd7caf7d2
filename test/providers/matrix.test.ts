/**
 * The provider matrix (issue 18): every preset, tokens in its provider's documented shape (see cases.ts for
 * the pages), through core and every adapter over real HTTP against the fake issuer's profile of that
 * provider on 127.0.0.1.
 */
import { AuthError, createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type ProviderIssuer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATRIX_ADAPTERS, type RunningApp } from './apps.js';
import { CASES, type ProviderCase } from './cases.js';

async function get(app: RunningApp, path: string, token: string): Promise<{ status: number; challenge: string | null; body: unknown }> {
  const response = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  // A refusal never echoes the token back.
  expect(text.includes(token)).toBe(false);
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function refusal(verifier: Verifier, token: string): Promise<AuthError> {
  const error: unknown = await verifier.verify(token).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe.each(CASES)('provider $name', (testCase: ProviderCase) => {
  let issuer: ProviderIssuer;
  let verifier: Verifier;
  let mcpVerifier: Verifier;

  beforeAll(async () => {
    issuer = await startFakeIssuer({ profile: testCase.profile });
    verifier = createVerifier({ ...testCase.options(issuer) });
    // MCP servers publish RFC 9728 metadata; the preset's own audience stays what tokens are checked against.
    mcpVerifier = createVerifier({ ...testCase.options(issuer), resourceMetadata: { resource: 'https://mcp.example.com/mcp' } });
  });
  afterAll(async () => {
    verifier.close();
    mcpVerifier.close();
    await issuer.close();
  });

  it('core: the documented token is accepted with its client id, scopes and roles', async () => {
    const auth = await verifier.verify(testCase.good(issuer));
    const expected = testCase.expected(issuer);
    expect(auth.clientId ?? null).toBe(expected.clientId);
    expect(auth.scopes).toEqual(expected.scopes);
    expect(auth.roles).toEqual(expected.roles);
    for (const [, mint] of Object.entries(testCase.alsoAccepted)) await expect(verifier.verify(mint(issuer))).resolves.toBeDefined();
  });

  it("core: the provider's tokens that are not for this API are 401 invalid_token", async () => {
    expect(Object.keys(testCase.refused).length).toBeGreaterThan(0);
    for (const [what, mint] of Object.entries(testCase.refused)) {
      const error = await refusal(verifier, mint(issuer));
      expect({ what, status: error.status, challenge: error.headers['WWW-Authenticate'] }).toMatchObject({
        what,
        status: 401,
        challenge: expect.stringContaining('error="invalid_token"') as unknown,
      });
    }
  });

  describe.each(MATRIX_ADAPTERS)('$name', (adapter) => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await adapter.start(adapter.name === 'mcp' ? mcpVerifier : verifier, testCase.needs);
    });
    afterAll(async () => {
      // undefined when the app failed to start: that failure is the one to see.
      await (app as RunningApp | undefined)?.close();
    });

    it('accepted: the handler sees the client id, scopes and roles; the route requirements pass', async () => {
      const token = testCase.good(issuer);
      const expected = testCase.expected(issuer);
      const open = await get(app, '/protected', token);
      expect(open.status).toBe(200);
      expect(open.body).toEqual({ clientId: expected.clientId, scopes: expected.scopes, roles: expected.roles, subject: expect.any(String) as unknown });
      expect((await get(app, '/claims', token)).status).toBe(200);
      if (testCase.withoutScope !== undefined) expect((await get(app, '/scoped', token)).status).toBe(200);
      if (testCase.withoutRole !== undefined) expect((await get(app, '/role', token)).status).toBe(200);
      for (const [what, mint] of Object.entries(testCase.alsoAccepted)) {
        expect({ what, status: (await get(app, '/protected', mint(issuer))).status }).toEqual({ what, status: 200 });
      }
    });

    it.runIf(testCase.withoutScope !== undefined)('403 insufficient_scope naming the scope when it is missing', async () => {
      const answer = await get(app, '/scoped', testCase.withoutScope!(issuer));
      expect(answer.status).toBe(403);
      expect(answer.challenge).toContain('error="insufficient_scope"');
      expect(answer.challenge).toContain(`scope="${testCase.needs.scope}"`);
    });

    it.runIf(testCase.withoutRole !== undefined)('403 insufficient_scope when the role is missing', async () => {
      const answer = await get(app, '/role', testCase.withoutRole!(issuer));
      expect(answer.status).toBe(403);
      expect(answer.challenge).toContain('error="insufficient_scope"');
      expect(answer.challenge).not.toContain('scope="');
    });

    it('403 when a claim requirement fails', async () => {
      const answer = await get(app, '/claims', testCase.failingClaims(issuer));
      expect(answer.status).toBe(403);
      expect(answer.challenge).toContain('error="insufficient_scope"');
    });

    it("401 invalid_token for the provider's tokens that are not for this API", async () => {
      for (const [what, mint] of Object.entries(testCase.refused)) {
        const answer = await get(app, '/protected', mint(issuer));
        expect({ what, status: answer.status, invalidToken: answer.challenge?.includes('error="invalid_token"') }).toEqual({
          what,
          status: 401,
          invalidToken: true,
        });
      }
    });
  });
});

describe('kubernetes: discovery and the JWKS need the request headers', () => {
  it('without requestHeaders the keys cannot be had: 503, and the issuer saw the unauthorized requests', async () => {
    const issuer = await startFakeIssuer({ profile: 'kubernetes' });
    const { requestHeaders: _omit, ...withoutHeaders } = issuer.presetOptions as { issuer: string; audience: string; requestHeaders: unknown };
    const { kubernetes } = await import('@portcullis/providers');
    const verifier = createVerifier(kubernetes(withoutHeaders));
    try {
      const error = await refusal(verifier, issuer.mint());
      expect(error.status).toBe(503);
      expect(issuer.stats.unauthorizedRequests).toBeGreaterThan(0);
    } finally {
      verifier.close();
      await issuer.close();
    }
  });

  it('a function giving the headers is called for the requests (rotating tokens)', async () => {
    const issuer = await startFakeIssuer({ profile: 'kubernetes' });
    const { kubernetes } = await import('@portcullis/providers');
    let calls = 0;
    const verifier = createVerifier(
      kubernetes({
        issuer: issuer.url,
        audience: issuer.audience!,
        requestHeaders: () => {
          calls += 1;
          return issuer.requestHeaders;
        },
      }),
    );
    try {
      await expect(verifier.verify(issuer.mint())).resolves.toBeDefined();
      expect(calls).toBeGreaterThanOrEqual(2); // discovery, then the JWKS
      expect(issuer.stats.unauthorizedRequests).toBe(0);
    } finally {
      verifier.close();
      await issuer.close();
    }
  });
});
