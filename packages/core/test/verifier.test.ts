import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import {
  AuthError,
  CredentialsRequiredError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeysUnavailableError,
  MAX_REPORTED_ISSUER_LENGTH,
  createVerifier,
  importVerificationKey,
  type JwtClaims,
  type KeySource,
  type TokenRejectedEvent,
  type VerifierOptions,
  type Verifier,
} from '../src/index.js';

let issuer: FakeIssuer;
const open: Verifier[] = [];

function verifierFor(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier<JwtClaims>({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, ...options } as VerifierOptions);
  open.push(verifier);
  return verifier;
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterEach(() => {
  issuer.setJwksMode('up');
  issuer.setMetadataMode('up');
  for (const verifier of open.splice(0)) verifier.close();
});
afterAll(async () => {
  await issuer.close();
});

describe('createVerifier options', () => {
  it('error flow: wrong options are a TypeError naming the option', () => {
    const base = { issuer: 'https://issuer.example.com/', audience: 'api' };
    expect(() => createVerifier({ ...base, issuer: '' })).toThrow(/"issuer/);
    // @ts-expect-error audience is required by the type too
    expect(() => createVerifier({ issuer: base.issuer })).toThrow(/"audience"/);
    expect(() => createVerifier({ ...base, algorithms: ['none' as never] })).toThrow(/"algorithms"/);
    expect(() => createVerifier({ ...base, algorithms: ['HS256'] })).toThrow(/needs an explicit "secret"/);
    expect(() => createVerifier({ ...base, secret: 'short' })).toThrow(/"secret"/);
    expect(() => createVerifier({ ...base, clockTolerance: -1 })).toThrow(/"clockTolerance"/);
    expect(() => createVerifier({ ...base, jwks: { timeout: 'soon' as never } })).toThrow(/jwks\.timeout/);
    expect(() => createVerifier({ ...base, jwksUri: 'ftp://x' })).toThrow(/jwksUri/);
    expect(() => createVerifier({ ...base, validate: 'yes' as never })).toThrow(/"validate"/);
    expect(() => createVerifier({ ...base, issuer: [] })).toThrow(/"issuer"/);
    expect(() => createVerifier({ ...base, issuer: [{ issuer: 'https://a/' }, { issuer: 'https://a/' }] })).toThrow(/twice/);
  });
});

describe('verify', () => {
  it('happy flow: a minted token gives the documented AccessToken', async () => {
    const verifier = verifierFor();
    const token = issuer.mint({ sub: 'svc-1', client_id: 'svc-1', scope: 'orders:read orders:write' });
    const auth = await verifier.verify(token);
    expect(auth.token).toBe(token);
    expect(auth.header.alg).toBe('RS256');
    expect(auth.header.typ).toBe('at+jwt');
    expect(auth.subject).toBe('svc-1');
    expect(auth.clientId).toBe('svc-1');
    expect(auth.issuer).toBe(issuer.url);
    expect(auth.audience).toEqual([issuer.audience]);
    expect(auth.scopes).toEqual(['orders:read', 'orders:write']);
    expect(auth.expiresAt.getTime()).toBe(auth.claims.exp! * 1000);
  });

  it('happy flow: a request descriptor with a Bearer header', async () => {
    const verifier = verifierFor();
    const auth = await verifier.verify({ method: 'GET', url: '/', headers: { authorization: `Bearer ${issuer.mint()}` } });
    expect(auth.issuer).toBe(issuer.url);
  });

  it('error flow: no credential is a bare 401; authenticate with optional resolves to undefined', async () => {
    const verifier = verifierFor({ realm: 'orders' });
    const request = { method: 'GET', url: '/', headers: {} };
    const error = await refusal(verifier.verify(request));
    expect(error).toBeInstanceOf(CredentialsRequiredError);
    // The default DPoP mode is 'allowed': a bare challenge offers both schemes (RFC 9449 §7.1).
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="orders", DPoP realm="orders", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    expect(await verifier.authenticate(request, { optional: true })).toBeUndefined();
    const bad = await refusal(verifier.authenticate({ ...request, headers: { authorization: 'Bearer x.y' } }, { optional: true }));
    expect(bad).toBeInstanceOf(InvalidTokenError);
    const malformed = await refusal(verifier.authenticate({ ...request, headers: { authorization: 'Bearer' } }, { optional: true }));
    expect(malformed).toBeInstanceOf(InvalidRequestError);
  });

  it('error flow: an oversized token is refused before it is parsed', async () => {
    const verifier = verifierFor({ maxTokenLength: 1000 });
    const error = await refusal(verifier.verify(issuer.mint({ pad: 'x'.repeat(2000) })));
    expect(error.reason).toBe('token_too_large');
  });

  it('error flow: an unknown iss is a 401 without any network request', async () => {
    const verifier = verifierFor();
    issuer.resetStats();
    const error = await refusal(verifier.verify(issuer.mint({ iss: 'https://attacker.example.com' })));
    expect(error.status).toBe(401);
    expect(error.reason).toBe('invalid_issuer');
    expect(issuer.stats.jwksRequests).toBe(0);
  });

  it('happy flow: strict at+jwt mode takes at+jwt and refuses JWT', async () => {
    const verifier = verifierFor({ tokenType: 'at+jwt' });
    await expect(verifier.verify(issuer.mint())).resolves.toBeDefined();
    expect((await refusal(verifier.verify(issuer.mint({}, { header: { typ: 'JWT' } })))).reason).toBe('invalid_type');
    expect((await refusal(verifier.verify(issuer.mint({ jti: undefined })))).reason).toBe('missing_claim');
  });

  it('happy flow: HS256 only with an explicit secret; the JWKS keys never verify HS tokens', async () => {
    const secret = 'a-very-long-shared-secret-of-32-bytes!';
    const verifier = verifierFor({ secret, jwksUri: undefined });
    await expect(verifier.verify(issuer.mint({}, { alg: 'HS256', secret }))).resolves.toBeDefined();
    expect((await refusal(verifier.verify(issuer.mint({}, { alg: 'HS256', secret: secret + 'x' })))).reason).toBe('invalid_signature');
    expect((await refusal(verifier.verify(issuer.mint()))).reason).toBe('algorithm_not_allowed');
  });

  it('happy flow: the algorithm allow-list', async () => {
    const verifier = verifierFor({ algorithms: ['ES256'] });
    await expect(verifier.verify(issuer.mint({}, { alg: 'ES256' }))).resolves.toBeDefined();
    expect((await refusal(verifier.verify(issuer.mint({}, { alg: 'RS256' })))).reason).toBe('algorithm_not_allowed');
  });

  it('happy flow: scopes from a named claim, checked all-of and any-of', async () => {
    const verifier = verifierFor({ scopeClaims: ['permissions'] });
    const auth = await verifier.verify(issuer.mint({ scope: 'a', permissions: ['b', 'c'] }));
    expect(auth.scopes).toEqual(['a', 'b', 'c']);
    expect(() => verifier.checkScopes(auth, { allOf: ['a', 'c'] })).not.toThrow();
    expect(() => verifier.checkScopes(auth, { anyOf: ['z', 'b'] })).not.toThrow();
    expect(() => verifier.checkScopes(auth, { allOf: ['a', 'z'] })).toThrow(InsufficientScopeError);
  });

  it('error flow: checkScopes without a token (a scoped route in optional mode) is a counted bare 401', () => {
    const verifier = verifierFor({ realm: 'orders' });
    let caught: unknown;
    try {
      verifier.checkScopes(undefined, { allOf: ['a'] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CredentialsRequiredError);
    expect((caught as CredentialsRequiredError).headers['WWW-Authenticate']).toBe('Bearer realm="orders", DPoP realm="orders", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"');
    expect(verifier.stats().rejectedByReason.credentials_missing).toBe(1);
  });

  it('happy flow: validate sees claims and header; false or a throw refuses with the cause kept', async () => {
    const seen: string[] = [];
    const verifier = verifierFor({
      validate: (claims, header) => {
        seen.push(`${String(claims.sub)}/${header.alg}`);
        if (claims.sub === 'banned') return false;
        if (claims.sub === 'boom') throw new Error('lookup failed');
        return undefined;
      },
    });
    await verifier.verify(issuer.mint({ sub: 'ok' }));
    expect((await refusal(verifier.verify(issuer.mint({ sub: 'banned' })))).reason).toBe('custom_validation_failed');
    const thrown = await refusal(verifier.verify(issuer.mint({ sub: 'boom' })));
    expect(thrown.reason).toBe('custom_validation_failed');
    expect((thrown.cause as Error).message).toBe('lookup failed');
    expect(seen).toEqual(['ok/RS256', 'banned/RS256', 'boom/RS256']);
  });

  it('happy flow: token_rejected events carry a reason, never the token; stats count', async () => {
    const verifier = verifierFor();
    const events: TokenRejectedEvent[] = [];
    verifier.on('token_rejected', (event) => events.push(event));
    const expired = issuer.mint({}, { lifetime: -600 });
    await refusal(verifier.verify(expired));
    await verifier.verify(issuer.mint());
    expect(events).toEqual([{ code: 'invalid_token', reason: 'expired', status: 401, issuer: issuer.url }]);
    expect(JSON.stringify(events)).not.toContain(expired);
    const stats = verifier.stats();
    expect(stats.verified).toBe(1);
    expect(stats.rejected).toBe(1);
    expect(stats.rejectedByReason.expired).toBe(1);
  });
});

describe('token_rejected for an unknown issuer', () => {
  it('error flow: the event carries the token\'s iss, so a trailing slash or localhost shows', async () => {
    const verifier = verifierFor();
    const events: TokenRejectedEvent[] = [];
    verifier.on('token_rejected', (event) => events.push(event));
    const slashed = `${issuer.url}/`;
    const localhost = issuer.url.replace('127.0.0.1', 'localhost');
    for (const iss of [slashed, localhost]) await refusal(verifier.verify(issuer.mint({ iss })));
    const configuredIssuers = [issuer.url];
    expect(events).toEqual([
      {
        code: 'invalid_token', reason: 'invalid_issuer', status: 401, issuer: undefined, tokenIssuer: slashed, configuredIssuers,
        issuerDiagnosis: `the token names issuer "${slashed}" but "${issuer.url}" is configured: they differ only by a trailing slash`,
      },
      {
        code: 'invalid_token', reason: 'invalid_issuer', status: 401, issuer: undefined, tokenIssuer: localhost, configuredIssuers,
        issuerDiagnosis: `the token names issuer "${localhost}" but "${issuer.url}" is configured: they differ only by the loopback host name (127.0.0.1 vs localhost)`,
      },
    ]);
  });

  it('error flow: a long iss is cut to MAX_REPORTED_ISSUER_LENGTH characters; a non-string iss is not reported', async () => {
    const verifier = verifierFor();
    const events: TokenRejectedEvent[] = [];
    verifier.on('token_rejected', (event) => events.push(event));
    await refusal(verifier.verify(issuer.mint({ iss: `https://${'a'.repeat(5000)}.example.com/` })));
    await refusal(verifier.verify(issuer.mint({ iss: 42 })));
    expect(events[0]!.tokenIssuer).toHaveLength(MAX_REPORTED_ISSUER_LENGTH);
    expect(events[0]!.tokenIssuer!.endsWith('…')).toBe(true);
    expect(events[0]!.tokenIssuer!.startsWith('https://aaaa')).toBe(true);
    expect(events[0]!.issuerDiagnosis).toBeUndefined();
    expect(events[1]).toEqual({ code: 'invalid_token', reason: 'invalid_issuer', status: 401, issuer: undefined, tokenIssuer: undefined, configuredIssuers: [issuer.url] });
  });

  it('happy flow: other rejections carry no tokenIssuer', async () => {
    const verifier = verifierFor();
    const events: TokenRejectedEvent[] = [];
    verifier.on('token_rejected', (event) => events.push(event));
    await refusal(verifier.verify(issuer.mint({ aud: 'someone-else' })));
    expect(events).toHaveLength(1);
    expect('tokenIssuer' in events[0]!).toBe(false);
  });
});

describe('issuers and keys', () => {
  it('happy flow: discovery finds the JWKS from the issuer alone', async () => {
    const verifier = verifierFor({ jwksUri: undefined });
    issuer.resetStats();
    await verifier.verify(issuer.mint());
    expect(issuer.stats.metadataRequests).toBeGreaterThanOrEqual(1);
    expect(issuer.stats.jwksRequests).toBe(1);
  });

  it('happy flow: several issuers, each token checked against its own keys', async () => {
    const other = await startFakeIssuer({ audience: 'https://other-api.example.com' });
    try {
      const verifier = verifierFor({
        issuer: [
          { issuer: issuer.url, jwksUri: issuer.jwksUri },
          { issuer: other.url, jwksUri: other.jwksUri, audience: other.audience },
        ],
        jwksUri: undefined,
      });
      expect((await verifier.verify(issuer.mint())).issuer).toBe(issuer.url);
      expect((await verifier.verify(other.mint())).issuer).toBe(other.url);
      // A token naming one issuer but signed by the other's key.
      const forged = other.mint({ iss: issuer.url, aud: issuer.audience }, { kid: issuer.currentKid('RS256') });
      expect((await refusal(verifier.verify(forged))).reason).toBe('invalid_signature');
    } finally {
      await other.close();
    }
  });

  it('happy flow: a key source of your own replaces the JWKS cache; nothing is fetched', async () => {
    const kid = issuer.currentKid('RS256');
    const key = importVerificationKey(issuer.publicJwk(kid))!;
    const keySource: KeySource = {
      peek: (wanted) => (wanted === kid ? [key] : []),
      load: (wanted) => Promise.resolve(wanted === kid ? [key] : []),
    };
    const verifier = verifierFor({ issuer: { issuer: issuer.url, keySource }, jwksUri: undefined });
    issuer.resetStats();
    expect((await verifier.verify(issuer.mint())).issuer).toBe(issuer.url);
    expect((await refusal(verifier.verify(issuer.mint({}, { kid: 'other' })))).reason).toBe('unknown_key');
    expect(issuer.stats.jwksRequests + issuer.stats.metadataRequests).toBe(0);
    expect(() => verifierFor({ issuer: { issuer: issuer.url, keySource: {} as KeySource }, jwksUri: undefined })).toThrow(/"issuer.keySource"/);
  });

  it('happy flow: 500 concurrent verifications on a cold cache make one JWKS fetch', async () => {
    const verifier = verifierFor();
    issuer.resetStats();
    const tokens = Array.from({ length: 500 }, (_, i) => issuer.mint({ sub: `s${i}` }));
    const results = await Promise.all(tokens.map((t) => verifier.verify(t)));
    expect(results).toHaveLength(500);
    expect(issuer.stats.jwksRequests).toBe(1);
  });

  it('error flow: a cold outage is a 503 with Retry-After, within the fetch timeout', async () => {
    const verifier = verifierFor({ jwks: { timeout: 300 } });
    issuer.setJwksMode('hang');
    const started = Date.now();
    const error = await refusal(verifier.verify(issuer.mint()));
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect(error.status).toBe(503);
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(300 + 1500);
  });
});

describe('verify: hardening at the JWT path (issue 14, items 14 and 15)', () => {
  it('error flow: a validly signed token with cty "JWT" is 401 invalid_token, reason nested_jwt', async () => {
    const verifier = verifierFor();
    const error = await refusal(verifier.verify(issuer.mint({}, { header: { cty: 'JWT' } })));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason: 'nested_jwt' });
  });

  it('error flow: claims that are not UTF-8 are 401 invalid_token, reason invalid_utf8', async () => {
    const verifier = verifierFor();
    const [header, payload, signature] = issuer.mint({ sub: 'x' }).split('.') as [string, string, string];
    const bytes = Buffer.from(payload, 'base64url');
    const at = bytes.indexOf('"x"') + 1;
    bytes[at] = 0xff; // 'x' becomes a lone 0xFF byte
    const error = await refusal(verifier.verify(`${header}.${bytes.toString('base64url')}.${signature}`));
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason: 'invalid_utf8' });
  });

  it('error flow: a throwing token_rejected listener neither breaks the refusal nor throws synchronously; it becomes a process warning', async () => {
    const verifier = verifierFor();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      verifier.on('token_rejected', () => {
        throw new Error('listener bug');
      });
      const sync = verifier.verify(`${issuer.mint()}x`); // refused on the synchronous path
      expect(sync).toBeInstanceOf(Promise);
      expect(await refusal(sync)).toMatchObject({ status: 401, code: 'invalid_token' });
      issuer.setJwksMode('down');
      const fresh = verifierFor({ jwks: { timeout: 500 } });
      fresh.on('token_rejected', () => {
        throw new Error('listener bug');
      });
      expect(await refusal(fresh.verify(issuer.mint()))).toMatchObject({ status: 503, reason: 'keys_unavailable' }); // asynchronous path
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.message === 'listener bug')).toHaveLength(2);
      expect(verifier.stats().rejected).toBe(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('error flow: verify never throws synchronously (its JWT path runs without await): a refusal is a rejected promise', async () => {
    const verifier = verifierFor();
    const empty = verifier.verify('');
    expect(empty).toBeInstanceOf(Promise);
    expect(await refusal(empty)).toBeInstanceOf(CredentialsRequiredError);
    const notAString = verifier.verify(42 as unknown as string);
    expect(notAString).toBeInstanceOf(Promise);
    expect(await refusal(notAString)).toBeInstanceOf(InvalidTokenError);
    const tampered = verifier.verify(`${issuer.mint()}x`);
    expect(tampered).toBeInstanceOf(Promise);
    expect(await refusal(tampered)).toMatchObject({ code: 'invalid_token' });
  });
});
