/**
 * Fuzzing the DPoP header (RFC 9449 §4) as the Authorization header is fuzzed: whatever the proof
 * header holds, a request with a genuine DPoP-bound token is accepted only for a proof an independent
 * reading of §4.3 accepts; anything else is a well-formed AuthError (never another exception, never a
 * 500 through an adapter), and neither token nor proof is echoed back.
 */
import { createHash } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type RequestDescriptor, type Verifier } from '@portcullis/core';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from '../conformance/apps.js';
import { checkAuthError, checkChallenge } from './helpers/checks.js';
import { FUZZ_TIMEOUT, runs } from './helpers/runs.js';

const HOST = 'api.example.com';
const HTU = `http://${HOST}/orders`;
let issuer: FakeIssuer;
let key: DpopKey;
let token: string;
let verifier: Verifier;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  key = createDpopKey('ES256');
  token = issuer.mint({ scope: 'orders:read' }, { dpopKey: key, lifetime: 3600 });
  verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'ABCxyz019-_.'.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\t', ',', '"', '=', '+', '/', '%') },
  { weight: 1, arbitrary: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)) },
);

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Values a claim or header member might hold: right, wrong type, wrong value. */
const member = <T>(right: T, ...wrong: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(right) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...wrong) }, { weight: 1, arbitrary: fc.jsonValue() });

interface Shape {
  typ: unknown;
  alg: unknown;
  jwk: unknown;
  htm: unknown;
  htu: unknown;
  iatOffset: unknown;
  jti: unknown;
  ath: unknown;
}

const shape = (): fc.Arbitrary<Shape> =>
  fc.record({
    typ: member('dpop+jwt', 'JWT', 'at+jwt', 'application/dpop+jwt', 'DPOP+JWT', ''),
    alg: member('ES256', 'none', 'HS256', 'RS256', 'ES384', 'es256'),
    jwk: member('key', 'private', 'other', { kty: 'EC' }, 'x'),
    htm: member('GET', 'get', 'POST', ''),
    htu: member(HTU, `${HTU}/`, `https://${HOST}/orders`, `http://${HOST.toUpperCase()}:80/orders`, `http://${HOST}/orders?x=1`, `http://${HOST}/admin`, 'orders'),
    iatOffset: member(0, -400, 400, 4, -299, '0', 1e12),
    jti: member('random', '', 'x'.repeat(300), 7),
    ath: member('right', 'wrong', ''),
  });

/** An independent reading of RFC 9449 §4.3 for a proof signed by `key` with this shape. */
function accepted(s: Shape): boolean {
  const typ = typeof s.typ === 'string' ? s.typ.toLowerCase().replace(/^application\//, '') : undefined;
  const htuOk = s.htu === HTU || s.htu === `http://${HOST.toUpperCase()}:80/orders` || s.htu === `http://${HOST}/orders?x=1`;
  const iatOk = typeof s.iatOffset === 'number' && s.iatOffset >= -305 && s.iatOffset <= 5;
  return typ === 'dpop+jwt' && s.alg === 'ES256' && (s.jwk === 'key') && s.htm === 'GET' && htuOk && iatOk
    && (s.jti === 'random' || (typeof s.jti === 'string' && s.jti.length >= 1 && s.jti.length <= 256)) && s.ath === 'right';
}

let counter = 0;
/** The `jti` of the last proof built. */
let lastJti: unknown;
function build(s: Shape): string {
  const jwk = s.jwk === 'key' ? key.publicJwk : s.jwk === 'private' ? key.privateKey.export({ format: 'jwk' }) : s.jwk === 'other' ? createDpopKey().publicJwk : s.jwk;
  const iat = typeof s.iatOffset === 'number' ? Math.floor(Date.now() / 1000) + s.iatOffset : s.iatOffset;
  const ath = s.ath === 'right' ? createHash('sha256').update(token).digest('base64url') : s.ath === 'wrong' ? 'AAAA' : s.ath;
  const jti = s.jti === 'random' ? `fuzz-${++counter}-${Math.random()}` : s.jti;
  lastJti = jti;
  const alg = typeof s.alg === 'string' && ['ES256', 'none'].includes(s.alg) ? (s.alg as 'ES256' | 'none') : 'ES256';
  return createDpopProof({ key, htm: 'GET', htu: HTU, alg, header: { typ: s.typ, alg: s.alg, jwk }, claims: { htm: s.htm, htu: s.htu, iat, jti, ath } });
}

const describeRequest = (proof: unknown): RequestDescriptor => ({
  method: 'GET',
  url: '/orders',
  headers: { host: HOST, authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof as string | string[] }) },
});

/** 'accepted', or the reason of the refusal. */
async function outcome(descriptor: RequestDescriptor): Promise<string> {
  try {
    await verifier.verify(descriptor);
    return 'accepted';
  } catch (error) {
    const authError = checkAuthError(error, token);
    expect([400, 401]).toContain(authError.status);
    const proof = descriptor.headers.dpop;
    if (typeof proof === 'string' && proof.length >= 16) expect(JSON.stringify(authError.toJSON()) + JSON.stringify(authError.headers)).not.toContain(proof);
    return authError.reason;
  }
}

describe('the DPoP header, in core', () => {
  it(
    'structured proofs: accepted exactly when an independent reading of §4.3 accepts them',
    async () => {
      const used = new Set<unknown>();
      await fc.assert(
        fc.asyncProperty(shape(), async (s) => {
          const result = await outcome(describeRequest(build(s)));
          // A jti already accepted once is a replay, whatever else the proof says right.
          const replay = used.has(lastJti);
          expect(result === 'accepted', JSON.stringify(s)).toBe(accepted(s) && !replay);
          if (accepted(s) && replay) expect(result).toBe('dpop_replayed');
          if (result === 'accepted') used.add(lastJti);
        }),
        runs(400),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'any header value, list or mutation of a good proof: refused with a well-formed AuthError unless it is the good proof itself',
    async () => {
      const unchanged = new Set<string>();
      const value = fc.oneof(
        fc.string({ unit: headerChar, maxLength: 120 }),
        fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.string({ unit: headerChar, maxLength: 20 })).map(([h, p, sig]) => `${b64(h)}.${b64(p)}.${sig}`),
        fc.tuple(fc.nat(), fc.constantFrom(...'AB-_.=x'.split(''))).map(([at, ch]) => {
          const good = createDpopProof({ key, htm: 'GET', htu: HTU, accessToken: token });
          const i = at % good.length;
          const mutated = good.slice(0, i) + ch + good.slice(i + 1);
          if (mutated === good) unchanged.add(mutated);
          return mutated;
        }),
        fc.array(fc.string({ unit: headerChar, maxLength: 40 }), { minLength: 2, maxLength: 3 }),
      );
      await fc.assert(
        fc.asyncProperty(value, async (proof) => {
          const result = await outcome(describeRequest(proof));
          // Only a mutation that left the good proof unchanged (the same character) can pass.
          expect(result === 'accepted').toBe(typeof proof === 'string' && unchanged.has(proof));
        }),
        runs(600),
      );
    },
    FUZZ_TIMEOUT,
  );
});

function get(app: RunningApp, lines: string[]): Promise<{ status: number; challenge: string | undefined; body: string }> {
  const target = new URL('/protected', app.url);
  return new Promise((resolve, reject) => {
    const req = request(target, { headers: ['Host', target.host, ...lines], timeout: 5000 }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'], body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

describe.each(ADAPTERS.map((a) => [a.name, a] as const))('the DPoP header through %s', (_name, adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.start({ verifier, optional: false });
  });
  afterAll(async () => {
    await app.close();
  });

  it(
    'zero to three DPoP lines of anything: never a 500, a well-formed challenge, the token never echoed',
    async () => {
      const line = fc.oneof(
        fc.string({ unit: headerChar, minLength: 1, maxLength: 80 }),
        fc.constant('good'),
        fc.tuple(fc.jsonValue(), fc.jsonValue()).map(([h, p]) => `${b64(h)}.${b64(p)}.sig`),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(line, { maxLength: 3 }), fc.constantFrom('DPoP', 'dpop', 'Bearer'), async (values, scheme) => {
          const proofs = values.map((v) => (v === 'good' ? createDpopProof({ key, htm: 'GET', htu: `${app.url}/protected`, accessToken: token }) : v));
          const lines = ['Authorization', `${scheme} ${token}`, ...proofs.flatMap((p) => ['DPoP', p])];
          const answer = await get(app, lines);
          expect([200, 400, 401]).toContain(answer.status);
          expect(answer.body).not.toContain(token);
          const genuineOnce = scheme !== 'Bearer' && proofs.length === 1 && values[0] === 'good';
          expect(answer.status === 200).toBe(genuineOnce);
          if (answer.status !== 200) checkChallenge(answer.challenge ?? '');
        }),
        runs(60, 100),
      );
    },
    FUZZ_TIMEOUT,
  );
});
