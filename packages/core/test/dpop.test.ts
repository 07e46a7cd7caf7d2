import { createHash, createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createDpopKey,
  createDpopProof,
  jwkThumbprint,
  startFakeIssuer,
  type DpopKey,
  type DpopProofOptions,
  type FakeIssuer,
} from '@portcullis/testing';
import {
  AuthError,
  InvalidDpopProofError,
  InvalidTokenError,
  MemoryReplayStore,
  ReplayStoreUnavailableError,
  UseDpopNonceError,
  createVerifier,
  type ReplayStore,
  type ReplayStoreFailedEvent,
  type RequestDescriptor,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';

const ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';
const HOST = 'api.example.com';
const HTU = `http://${HOST}/orders`;

let issuer: FakeIssuer;
let key: DpopKey;
const open: Verifier[] = [];

function verifierFor(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, ...options } as VerifierOptions);
  open.push(verifier);
  return verifier;
}

function bound(claims: Record<string, unknown> = {}, dpopKey: DpopKey | string = key): string {
  return issuer.mint({ scope: 'orders:read', ...claims }, { dpopKey, lifetime: 3600 });
}

function proofFor(token: string, overrides: Partial<DpopProofOptions> = {}): string {
  return createDpopProof({ key, htm: 'GET', htu: HTU, accessToken: token, ...overrides });
}

function dpopRequest(token: string, proof: string | undefined, extra: Partial<RequestDescriptor> & { headers?: Record<string, string> } = {}): RequestDescriptor {
  const headers: Record<string, string> = { host: HOST, authorization: `DPoP ${token}`, ...(extra.headers ?? {}) };
  if (proof !== undefined) headers.dpop = proof;
  return { method: 'GET', url: '/orders?limit=5', ...extra, headers };
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
  key = createDpopKey('ES256');
});
afterEach(() => {
  vi.useRealTimers();
  for (const verifier of open.splice(0)) verifier.close();
});
afterAll(async () => {
  await issuer.close();
});

describe('DPoP happy flow', () => {
  it.each(['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] as const)('a DPoP-bound token with a valid %s proof passes, with cnf on the AccessToken', async (alg) => {
    const clientKey = createDpopKey(alg);
    const token = bound({}, clientKey);
    const auth = await verifierFor().verify(dpopRequest(token, createDpopProof({ key: clientKey, htm: 'GET', htu: HTU, accessToken: token })));
    expect(auth.cnf).toEqual({ jkt: clientKey.thumbprint });
  });

  it('a cnf with other members besides jkt is fine', async () => {
    const token = issuer.mint({ cnf: { jkt: key.thumbprint, kid: 'client-key-1' } }, { lifetime: 3600 });
    await expect(verifierFor().verify(dpopRequest(token, proofFor(token)))).resolves.toMatchObject({ cnf: { jkt: key.thumbprint } });
  });

  it('the proof check is never cached: the cached token with a fresh proof passes, with a replayed one is refused', async () => {
    const verifier = verifierFor();
    const token = bound();
    const proof = proofFor(token);
    await verifier.verify(dpopRequest(token, proof));
    await verifier.verify(dpopRequest(token, proofFor(token)));
    expect(verifier.stats().tokenCache.hits).toBe(1);
    const error = await refusal(verifier.verify(dpopRequest(token, proof)));
    expect(error.reason).toBe('dpop_replayed');
  });

  it('the scheme name is case-insensitive (RFC 9449 §7.1)', async () => {
    const token = bound();
    await expect(verifierFor().verify(dpopRequest(token, proofFor(token), { headers: { authorization: `dpop ${token}` } }))).resolves.toBeDefined();
  });
});

describe('each check of RFC 9449 §4.3 failing alone is 401 invalid_dpop_proof with its own reason', () => {
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, string, (token: string) => string | undefined][] = [
    ['the DPoP header is missing', 'dpop_proof_missing', () => undefined],
    ['the proof is not a compact JWS', 'dpop_proof_malformed', () => 'not-a-jws'],
    ['the proof payload is not JSON', 'dpop_proof_malformed', (t) => proofFor(t).replace(/\.[^.]+\./, '.bm90IGpzb24.')],
    ['typ is JWT, not dpop+jwt', 'dpop_invalid_typ', (t) => proofFor(t, { header: { typ: 'JWT' } })],
    ['typ is missing', 'dpop_invalid_typ', (t) => proofFor(t, { header: { typ: undefined } })],
    ['alg is none', 'dpop_algorithm_not_allowed', (t) => proofFor(t, { alg: 'none' })],
    ['alg is symmetric (HS256)', 'dpop_algorithm_not_allowed', (t) => proofFor(t, { alg: 'HS256', signingKey: createSecretKey(Buffer.alloc(32, 1)) })],
    ['the jwk header is missing', 'dpop_invalid_jwk', (t) => proofFor(t, { header: { jwk: undefined } })],
    ['the jwk holds a private key', 'dpop_private_jwk', (t) => proofFor(t, { header: { jwk: { ...key.publicJwk, d: key.privateKey.export({ format: 'jwk' }).d } } })],
    ['the jwk is a symmetric key', 'dpop_private_jwk', (t) => proofFor(t, { header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } })],
    ['the jwk does not fit alg (RSA key, ES256)', 'dpop_invalid_jwk', (t) => proofFor(t, { header: { jwk: createDpopKey('RS256').publicJwk } })],
    ['the signature is by another key than the jwk', 'dpop_invalid_signature', (t) => proofFor(t, { signingKey: other })],
    ['htm differs from the method', 'dpop_htm_mismatch', (t) => proofFor(t, { htm: 'POST' })],
    ['htm is lower-case', 'dpop_htm_mismatch', (t) => proofFor(t, { htm: 'get' })],
    ['htu names another path', 'dpop_htu_mismatch', (t) => proofFor(t, { htu: `http://${HOST}/admin` })],
    ['htu names another host', 'dpop_htu_mismatch', (t) => proofFor(t, { htu: 'http://evil.example.com/orders' })],
    ['htu names https for an http request', 'dpop_htu_mismatch', (t) => proofFor(t, { htu: `https://${HOST}/orders` })],
    ['htu is missing', 'dpop_htu_mismatch', (t) => proofFor(t, { claims: { htu: undefined } })],
    ['iat is older than proofMaxAge', 'dpop_iat_invalid', (t) => proofFor(t, { iat: now() - 310 })],
    ['iat is in the future beyond the tolerance', 'dpop_iat_invalid', (t) => proofFor(t, { iat: now() + 60 })],
    ['iat is missing', 'dpop_iat_invalid', (t) => proofFor(t, { claims: { iat: undefined } })],
    ['jti is missing', 'dpop_jti_invalid', (t) => proofFor(t, { claims: { jti: undefined } })],
    ['ath is missing', 'dpop_ath_mismatch', (t) => proofFor(t, { claims: { ath: undefined } })],
    ['ath is the hash of another token', 'dpop_ath_mismatch', (t) => proofFor(t, { accessToken: `${t}x` })],
  ];

  it.each(cases)('%s → %s', async (_name, reason, makeProof) => {
    const token = bound();
    const error = await refusal(verifierFor().verify(dpopRequest(token, makeProof(token))));
    expect(error).toBeInstanceOf(InvalidDpopProofError);
    expect(error.status).toBe(401);
    expect(error.reason).toBe(reason);
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="/);
    expect(JSON.stringify(error.toJSON())).not.toContain(token);
  });

  it('two DPoP headers → 401 invalid_dpop_proof (dpop_proof_multiple), from rawHeaders and from a folded value', async () => {
    const token = bound();
    const proof = proofFor(token);
    const raw = ['Host', HOST, 'Authorization', `DPoP ${token}`, 'DPoP', proof, 'dpop', proof];
    const fromRaw = await refusal(verifierFor().verify({ ...dpopRequest(token, proof), rawHeaders: raw }));
    expect(fromRaw.reason).toBe('dpop_proof_multiple');
    const folded = await refusal(verifierFor().verify(dpopRequest(token, `${proof}, ${proof}`)));
    expect(folded.reason).toBe('dpop_proof_multiple');
    expect(folded.code).toBe('invalid_dpop_proof');
  });

  it('an algorithm outside dpop.algorithms is refused', async () => {
    const token = bound();
    const error = await refusal(verifierFor({ dpop: { algorithms: ['EdDSA'] } }).verify(dpopRequest(token, proofFor(token))));
    expect(error.reason).toBe('dpop_algorithm_not_allowed');
    expect(error.headers['WWW-Authenticate']).toContain('algs="EdDSA"');
  });
});

describe('binding of the token to the proof key', () => {
  it('401 invalid_token (dpop_key_mismatch) when the proof key is not the one in cnf.jkt', async () => {
    const token = bound({}, createDpopKey());
    const error = await refusal(verifierFor().verify(dpopRequest(token, proofFor(token))));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.reason).toBe('dpop_key_mismatch');
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token", error_description="[^"]+", algs="/);
  });

  it("a thumbprint computed the way Spring first got wrong (spring-security#17079) does not pass", async () => {
    // Spring hashed the key's encoded form (a certificate-style thumbprint), not RFC 7638's canonical JSON.
    const spki = createPublicKey({ key: key.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    const wrongOnes = [
      createHash('sha256').update(spki).digest('base64url'),
      createHash('sha256').update(JSON.stringify({ ...key.publicJwk, kid: 'k1' })).digest('base64url'),
      createHash('sha256').update(JSON.stringify({ kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y })).digest('base64url'),
    ];
    for (const jkt of wrongOnes) {
      expect(jkt).not.toBe(key.thumbprint);
      const token = bound({}, jkt);
      const error = await refusal(verifierFor().verify(dpopRequest(token, proofFor(token))));
      expect(error.reason).toBe('dpop_key_mismatch');
    }
    // …while the RFC 7638 thumbprint, computed here independently of core's jose, passes.
    expect(jwkThumbprint({ ...key.publicJwk, kid: 'ignored', alg: 'ES256' })).toBe(key.thumbprint);
  });

  it('401 invalid_token in the Bearer scheme when a DPoP-bound token is sent as Bearer, in every mode', async () => {
    const token = bound();
    for (const mode of ['allowed', 'disabled'] as const) {
      const error = await refusal(verifierFor({ dpop: { mode } }).verify({ method: 'GET', url: '/orders', headers: { host: HOST, authorization: `Bearer ${token}` } }));
      expect(error.reason).toBe('dpop_bound_token_as_bearer');
      expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('401 invalid_token when the DPoP scheme carries a token without cnf.jkt', async () => {
    const token = issuer.mint({ scope: 'orders:read' });
    const error = await refusal(verifierFor().verify(dpopRequest(token, proofFor(token))));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.reason).toBe('dpop_token_unbound');
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token"/);
  });

  it('verify(token) refuses a bound token: its binding needs the request', async () => {
    const error = await refusal(verifierFor().verify(bound()));
    expect(error.reason).toBe('binding_unverifiable');
  });

  it('403 insufficient_scope for a DPoP-bound token answers in the DPoP scheme', async () => {
    const verifier = verifierFor({ realm: 'orders' });
    const token = bound();
    const auth = await verifier.verify(dpopRequest(token, proofFor(token)));
    let caught: unknown;
    try {
      verifier.checkScopes(auth, { allOf: ['orders:write'] });
    } catch (error) {
      caught = error;
    }
    expect((caught as AuthError).headers['WWW-Authenticate']).toBe(
      `DPoP realm="orders", error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:write", algs="${ALGS}"`,
    );
  });
});

describe('modes and bare challenges (RFC 9449 §7.1)', () => {
  const none: RequestDescriptor = { method: 'GET', url: '/orders', headers: { host: HOST } };

  it("'allowed' (default): a bare 401 offers Bearer and DPoP with algs", async () => {
    const error = await refusal(verifierFor({ realm: 'api' }).verify(none));
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="api", DPoP realm="api", algs="${ALGS}"`);
  });

  it("'required': a bare 401 offers DPoP alone, and a Bearer token is 401 invalid_token in the DPoP scheme", async () => {
    const verifier = verifierFor({ dpop: { mode: 'required', algorithms: ['ES256', 'EdDSA'] } });
    expect((await refusal(verifier.verify(none))).headers['WWW-Authenticate']).toBe('DPoP algs="ES256 EdDSA"');
    const error = await refusal(verifier.verify({ ...none, headers: { host: HOST, authorization: `Bearer ${issuer.mint()}` } }));
    expect(error.reason).toBe('dpop_required');
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token", error_description="[^"]+", algs="ES256 EdDSA"$/);
    const token = bound();
    await expect(verifier.verify(dpopRequest(token, proofFor(token)))).resolves.toBeDefined();
  });

  it("'required': verify(token) with a bare string refuses an unbound bearer token (dpop_required), as verify(request) does", async () => {
    const verifier = verifierFor({ dpop: { mode: 'required' } });
    const error = await refusal(verifier.verify(issuer.mint({ scope: 'orders:read' })));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.reason).toBe('dpop_required');
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token"/);
    expect(verifier.stats()).toMatchObject({ verified: 0, rejected: 1, rejectedByReason: { dpop_required: 1 } });
    // A bound token keeps its own reason: it is refused because its binding needs the request.
    expect((await refusal(verifier.verify(bound()))).reason).toBe('binding_unverifiable');
  });

  it("'disabled': the DPoP scheme is another scheme (a bare Bearer 401)", async () => {
    const token = bound();
    const error = await refusal(verifierFor({ dpop: { mode: 'disabled' } }).verify(dpopRequest(token, proofFor(token))));
    expect(error.code).toBe('credentials_required');
    expect(error.headers['WWW-Authenticate']).toBe('Bearer');
  });

  it('a malformed DPoP Authorization header is 400 invalid_request in the DPoP scheme', async () => {
    const error = await refusal(verifierFor().verify({ ...none, headers: { host: HOST, authorization: 'DPoP a b' } }));
    expect(error.status).toBe(400);
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_request"/);
  });
});

describe('replay and the iat window', () => {
  it('a replayed proof within the window is invalid_dpop_proof (dpop_replayed), not use_dpop_nonce', async () => {
    const verifier = verifierFor();
    const token = bound();
    const proof = proofFor(token);
    await verifier.verify(dpopRequest(token, proof));
    const error = await refusal(verifier.verify(dpopRequest(token, proof)));
    expect(error.code).toBe('invalid_dpop_proof');
    expect(error.reason).toBe('dpop_replayed');
  });

  it('the same jti from another key is not a replay (the store is keyed by thumbprint and jti)', async () => {
    const verifier = verifierFor();
    const otherKey = createDpopKey();
    const a = bound();
    const b = bound({}, otherKey);
    await verifier.verify(dpopRequest(a, proofFor(a, { jti: 'same' })));
    await expect(verifier.verify(dpopRequest(b, createDpopProof({ key: otherKey, htm: 'GET', htu: HTU, accessToken: b, jti: 'same' })))).resolves.toBeDefined();
  });

  it('after the window the same proof is refused by iat (dpop_iat_invalid)', async () => {
    const verifier = verifierFor({ dpop: { proofMaxAge: 60, clockTolerance: 0 } });
    const token = bound();
    const proof = proofFor(token);
    await verifier.verify(dpopRequest(token, proof));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    const error = await refusal(verifier.verify(dpopRequest(token, proof)));
    expect(error.reason).toBe('dpop_iat_invalid');
  });

  it('the store is called with a hashed key and TTL = the proof window', async () => {
    const calls: [string, number][] = [];
    const memory = new MemoryReplayStore();
    const store: ReplayStore = { add: (k, ttl) => (calls.push([k, ttl]), memory.add(k, ttl)) };
    const token = bound();
    const proof = proofFor(token, { jti: 'jti-visible?' });
    await verifierFor({ dpop: { replayStore: store, proofMaxAge: 120, clockTolerance: 5 } }).verify(dpopRequest(token, proof));
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toMatch(/^dpop:[A-Za-z0-9_-]{43}$/);
    expect(calls[0]![0]).not.toContain('jti-visible');
    expect(calls[0]![1]).toBe(130_000);
  });

  it('a refused proof never reaches the store', async () => {
    let calls = 0;
    const token = bound();
    await refusal(verifierFor({ dpop: { replayStore: { add: () => (calls++, Promise.resolve(true)) } } }).verify(dpopRequest(token, proofFor(token, { htm: 'PUT' }))));
    expect(calls).toBe(0);
  });
});

describe('replay store failures', () => {
  const failing: ReplayStore = { add: () => Promise.reject(new Error('connection refused')) };
  const hanging: ReplayStore = { add: () => new Promise<boolean>(() => undefined) };

  it.each([
    ['fails', failing, 'error'],
    ['hangs past replayStoreTimeout', hanging, 'timeout'],
  ] as const)("when the store %s: 503 with Retry-After ('reject', default) and a replay_store_failed event without token or proof", async (_name, store, kind) => {
    const verifier = verifierFor({ dpop: { replayStore: store, replayStoreTimeout: 50 } });
    const events: ReplayStoreFailedEvent[] = [];
    verifier.on('replay_store_failed', (event) => events.push(event));
    const token = bound();
    const proof = proofFor(token);
    const error = await refusal(verifier.verify(dpopRequest(token, proof)));
    expect(error).toBeInstanceOf(ReplayStoreUnavailableError);
    expect(error.status).toBe(503);
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(error.headers['WWW-Authenticate']).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind, policy: 'reject' });
    const text = JSON.stringify(events[0], (_k, v: unknown) => (v instanceof Error ? v.message : v));
    expect(text).not.toContain(token);
    expect(text).not.toContain(proof);
  });

  it("'accept' lets the proof through and still emits the event", async () => {
    const verifier = verifierFor({ dpop: { replayStore: failing, replayStoreFailure: 'accept' } });
    const events: ReplayStoreFailedEvent[] = [];
    verifier.on('replay_store_failed', (event) => events.push(event));
    const token = bound();
    await expect(verifier.verify(dpopRequest(token, proofFor(token)))).resolves.toBeDefined();
    expect(events).toMatchObject([{ kind: 'error', policy: 'accept' }]);
  });
});

describe('server-provided nonces (RFC 9449 §8)', () => {
  it('the nonce flow: 401 use_dpop_nonce with a DPoP-Nonce header, the retry with it passes, a forged one is refused', async () => {
    const verifier = verifierFor({ dpop: { nonce: { lifetime: 30 } } });
    const token = bound();
    const first = await refusal(verifier.verify(dpopRequest(token, proofFor(token))));
    expect(first).toBeInstanceOf(UseDpopNonceError);
    expect(first.reason).toBe('dpop_nonce_required');
    expect(first.headers['WWW-Authenticate']).toMatch(/^DPoP error="use_dpop_nonce", error_description="[^"]+", algs="/);
    const nonce = first.headers['DPoP-Nonce']!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    await expect(verifier.verify(dpopRequest(token, proofFor(token, { nonce })))).resolves.toBeDefined();
    const forged = await refusal(verifier.verify(dpopRequest(token, proofFor(token, { nonce: nonce.slice(0, -2) + 'AA' }))));
    expect(forged.reason).toBe('dpop_nonce_invalid');
    expect(forged.headers['DPoP-Nonce']).toBe(nonce);
  });

  it('nonces rotate: a nonce two lifetimes old is refused with a new one', async () => {
    const verifier = verifierFor({ dpop: { nonce: { lifetime: 30 } } });
    const token = bound();
    const nonce = (await refusal(verifier.verify(dpopRequest(token, proofFor(token))))).headers['DPoP-Nonce']!;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    const stale = await refusal(verifier.verify(dpopRequest(token, proofFor(token, { nonce }))));
    expect(stale.reason).toBe('dpop_nonce_invalid');
    expect(stale.headers['DPoP-Nonce']).not.toBe(nonce);
  });

  it('responseHeaders: a DPoP-bound token\'s answer carries the current nonce, good for the next proof; it rotates with the slot', async () => {
    // One second into a 30 s nonce slot, so that 30 s later is one second into the next one.
    const slotStart = Math.floor(Date.now() / 30_000) * 30_000;
    vi.useFakeTimers({ toFake: ['Date'], now: slotStart + 1_000 });
    const verifier = verifierFor({ dpop: { nonce: { lifetime: 30 } } });
    const token = bound();
    const nonce = (await refusal(verifier.verify(dpopRequest(token, proofFor(token))))).headers['DPoP-Nonce']!;
    const auth = await verifier.verify(dpopRequest(token, proofFor(token, { nonce })));
    const headers = verifier.responseHeaders!(auth);
    expect(headers).toEqual({ 'DPoP-Nonce': nonce });
    // Made once per slot, not per request.
    expect(verifier.responseHeaders!(auth)).toBe(headers);
    await expect(verifier.verify(dpopRequest(token, proofFor(token, { nonce: headers!['DPoP-Nonce']! })))).resolves.toBeDefined();
    vi.setSystemTime(slotStart + 31_000);
    const next = verifier.responseHeaders!(auth)!['DPoP-Nonce']!;
    expect(next).not.toBe(nonce);
    // The new one is accepted, and so is the old one still, for one more slot.
    await expect(verifier.verify(dpopRequest(token, proofFor(token, { nonce: next })))).resolves.toBeDefined();
    await expect(verifier.verify(dpopRequest(token, proofFor(token, { nonce })))).resolves.toBeDefined();
  });

  it('responseHeaders: nothing for a bearer token, nothing without dpop.nonce, nothing without a token', async () => {
    const withNonce = verifierFor({ dpop: { nonce: true } });
    const bearer = await withNonce.verify(issuer.mint({ scope: 'orders:read' }));
    expect(withNonce.responseHeaders!(bearer)).toBeUndefined();
    expect(withNonce.responseHeaders!(undefined)).toBeUndefined();
    const plain = verifierFor({});
    const token = bound();
    const auth = await plain.verify(dpopRequest(token, proofFor(token)));
    expect(auth.cnf?.jkt).toBeDefined();
    expect(plain.responseHeaders!(auth)).toBeUndefined();
  });

  it('instances sharing nonce.secret accept each other\'s nonces', async () => {
    const secret = 'n'.repeat(32);
    const a = verifierFor({ dpop: { nonce: { secret } } });
    const b = verifierFor({ dpop: { nonce: { secret } } });
    const token = bound();
    const nonce = (await refusal(a.verify(dpopRequest(token, proofFor(token))))).headers['DPoP-Nonce']!;
    await expect(b.verify(dpopRequest(token, proofFor(token, { nonce })))).resolves.toBeDefined();
  });
});

describe('htu: the request URI, normalised (RFC 3986 §6.2.2–6.2.3), and proxies', () => {
  it.each([
    ['scheme and host case, default port', 'HTTP://API.Example.COM:80/orders'],
    ['a percent-encoded unreserved character', `http://${HOST}/%6Frders`],
    ['a query and fragment in htu are ignored', `http://${HOST}/orders?x=1#y`],
    ['dot segments', `http://${HOST}/a/../orders`],
  ])('%s still matches', async (_name, htu) => {
    const token = bound();
    await expect(verifierFor().verify(dpopRequest(token, proofFor(token, { htu })))).resolves.toBeDefined();
  });

  it('a trailing slash is another URI', async () => {
    const token = bound();
    expect((await refusal(verifierFor().verify(dpopRequest(token, proofFor(token, { htu: `${HTU}/` }))))).reason).toBe('dpop_htu_mismatch');
  });

  it('publicUrl: the external origin (and prefix) the proxy serves, whatever Host says', async () => {
    const verifier = verifierFor({ dpop: { publicUrl: 'https://api.example.com/v1/' } });
    const token = bound();
    const request = dpopRequest(token, proofFor(token, { htu: 'https://api.example.com/v1/orders' }), { headers: { host: 'orders.internal:8080' } });
    await expect(verifier.verify(request)).resolves.toBeDefined();
    const internal = dpopRequest(token, proofFor(token, { htu: 'http://orders.internal:8080/orders' }), { headers: { host: 'orders.internal:8080' } });
    expect((await refusal(verifier.verify(internal))).reason).toBe('dpop_htu_mismatch');
  });

  it('X-Forwarded-* are ignored unless trustProxy; with it they give the scheme and host', async () => {
    const token = bound();
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
    const proof = () => proofFor(token, { htu: 'https://api.example.com/orders' });
    expect((await refusal(verifierFor().verify(dpopRequest(token, proof(), { headers: { host: 'internal', ...forwarded } })))).reason).toBe('dpop_htu_mismatch');
    await expect(verifierFor({ dpop: { trustProxy: true } }).verify(dpopRequest(token, proof(), { headers: { host: 'internal', ...forwarded } }))).resolves.toBeDefined();
  });

  it.each([
    ['Host', { host: `${HOST}/admin?` }, false],
    ['Host with a fragment', { host: `${HOST}/admin#` }, false],
    ['Host with userinfo', { host: `x@${HOST}/admin?` }, false],
    ['X-Forwarded-Host', { host: HOST, 'x-forwarded-host': `${HOST}/admin?` }, true],
    ['X-Forwarded-Host with a backslash', { host: HOST, 'x-forwarded-host': `${HOST}\\admin?` }, true],
  ])('a malformed %s cannot make a proof for /admin pass at /orders (express-oauth2-jwt-bearer 1.9.1)', async (_name, headers, trustProxy) => {
    const token = bound();
    const proof = proofFor(token, { htu: `http://${HOST}/admin` });
    const error = await refusal(verifierFor({ dpop: { trustProxy } }).verify(dpopRequest(token, proof, { headers })));
    expect(error.reason).toBe('dpop_htu_mismatch');
  });

  it('the request scheme is https on a TLS socket', async () => {
    const token = bound();
    const request = { ...dpopRequest(token, proofFor(token, { htu: `https://${HOST}/orders` })), encrypted: true };
    await expect(verifierFor().verify(request)).resolves.toBeDefined();
  });
});

describe('dpop options are checked at construction', () => {
  const base = { issuer: 'https://issuer.example.com/', audience: 'api' };
  it.each([
    [{ dpop: { mdoe: 'required' } }, /"dpop\.mdoe" is not a known option \(did you mean "dpop\.mode"\?\)/],
    [{ dpop: { mode: 'always' } }, /"dpop\.mode"/],
    [{ dpop: { algorithms: ['HS256'] } }, /"dpop\.algorithms"/],
    [{ dpop: { algorithms: [] } }, /"dpop\.algorithms"/],
    [{ dpop: { proofMaxAge: 0 } }, /"dpop\.proofMaxAge"/],
    [{ dpop: { replayStore: {} } }, /"dpop\.replayStore"/],
    [{ dpop: { replayStoreFailure: 'ignore' } }, /"dpop\.replayStoreFailure"/],
    [{ dpop: { replayStoreTimeout: -1 } }, /"dpop\.replayStoreTimeout"/],
    [{ dpop: { publicUrl: 'https://api.example.com/?x' } }, /"dpop\.publicUrl"/],
    [{ dpop: { publicUrl: 'api.example.com' } }, /"dpop\.publicUrl"/],
    [{ dpop: { trustProxy: 'yes' } }, /"dpop\.trustProxy"/],
    [{ dpop: { nonce: { secret: 'short' } } }, /"dpop\.nonce\.secret"/],
    [{ dpop: { nonce: { lifetme: 5 } } }, /"dpop\.nonce\.lifetme"/],
    [{ mtls: { certificateHeader: 'bad header' } }, /"mtls\.certificateHeader"/],
    [{ mtls: { certificateHeaderFormat: 'der' } }, /"mtls\.certificateHeaderFormat"/],
    [{ mtls: { header: 'client-cert' } }, /"mtls\.header" is not a known option/],
  ])('%j is a TypeError naming the option', (options, message) => {
    expect(() => createVerifier({ ...base, ...(options as object) })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, ...(options as object) })).toThrow(message);
  });
});
