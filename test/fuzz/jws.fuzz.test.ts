/**
 * Fuzzing JWS parsing and signature checking through `verifier.verify`: arbitrary strings, mutated
 * valid tokens (bit flips, character edits, segment swaps) and header/claim mutations re-signed with
 * the attacker's key. Every outcome is a rejection with a well-formed AuthError, except a token the
 * issuer itself signed, byte for byte; and no token ever makes the verifier fetch from a URL it names.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer, type MintAlgorithm } from '@portcullis/testing';
import { checkAuthError, recordGenuine, signedByIssuer } from './helpers/checks.js';
import { FUZZ_TIMEOUT, runs } from './helpers/runs.js';

let issuer: FakeIssuer;
let verifier: Verifier;
let genuine: Set<string>;
let mint: FakeIssuer['mint'];
/** Valid tokens, one per key type, minted before the verifier fetched its keys. */
let valid: string[];
/** A server the tokens point `jku`/`x5u` at: it must never be asked for anything. */
let trap: { url: string; hits: number; close: () => Promise<void> };

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * Verifies, and holds the outcome to the invariants: a pass only for a genuine token (which an
 * independent check also accepts), anything else a well-formed AuthError that is not a 503.
 */
async function verifyChecked(token: string): Promise<'passed' | 'rejected'> {
  try {
    await verifier.verify(token);
  } catch (error) {
    const authError = checkAuthError(error, token);
    expect(authError.status, 'the issuer is up: a token is judged, never a 503').not.toBe(503);
    return 'rejected';
  }
  expect(genuine.has(token), 'only a token the issuer signed passes').toBe(true);
  expect(signedByIssuer(token, issuer)).toBe(true);
  return 'passed';
}

beforeAll(async () => {
  issuer = await startFakeIssuer();
  ({ genuine, mint } = recordGenuine(issuer));
  // The issuer pins each key to one alg (its JWK `alg`): PS256 with the RS256 key is refused as key_mismatch.
  const algs: MintAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
  valid = algs.map((alg) => mint({ scope: 'read write' }, { alg, lifetime: 3_600 }));
  const state = { hits: 0 };
  const server = createServer((_req, res) => {
    state.hits += 1;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  trap = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return state.hits;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
  for (const token of valid) await verifier.verify(token);
});

afterAll(async () => {
  verifier.close();
  await trap.close();
  await issuer.close();
});

const base64urlChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string(), fc.integer(), fc.constant(null), fc.constant('__proto__'), fc.constant({ __proto__: { alg: 'RS256' } }));

describe('verify(arbitrary string)', () => {
  it(
    'rejects every string with an AuthError; never resolves, never throws anything else',
    async () => {
      const header = fc.record(
        {
          alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'EdDSA', 'PS512', 'HS256', 'none', 'None', '__proto__', 'constructor', ''), jsonish),
          kid: fc.oneof(fc.constantFrom(...issuerKids()), jsonish),
          typ: fc.oneof(fc.constantFrom('at+jwt', 'JWT', 'application/at+jwt'), jsonish),
          crit: jsonish,
          b64: fc.oneof(fc.boolean(), jsonish),
          jku: fc.constant('http://127.0.0.1:1/jwks'),
          jwk: fc.constant({ kty: 'oct', k: 'AAAA' }),
        },
        { requiredKeys: [] },
      );
      const payload = fc.oneof(
        fc.record({ iss: fc.oneof(fc.constant('ISSUER'), jsonish), aud: jsonish, exp: jsonish, sub: jsonish, scope: jsonish }, { requiredKeys: [] }),
        jsonish,
      );
      const strings = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: fc.oneof(base64urlChar, fc.constantFrom('.', '=', '+', '/', ' ')), maxLength: 300 }),
        fc.tuple(fc.string({ unit: base64urlChar, maxLength: 80 }), fc.string({ unit: base64urlChar, maxLength: 80 }), fc.string({ unit: base64urlChar, maxLength: 200 })).map((parts) => parts.join('.')),
        // Structured: JSON header and payload, a random signature or one lifted from a valid token.
        fc.tuple(header, payload, fc.oneof(fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('base64url')), fc.constantFrom(...validSignatures()))).map(
          ([h, p, s]) => `${b64(h)}.${b64(JSON.parse(JSON.stringify(p ?? null).replaceAll('ISSUER', issuer.url)))}.${s}`,
        ),
      );
      await fc.assert(
        fc.asyncProperty(strings, async (token) => {
          expect(await verifyChecked(token)).toBe('rejected');
        }),
        runs(800),
      );
      expect(trap.hits).toBe(0);
    },
    FUZZ_TIMEOUT,
  );
});

describe('verify(mutated valid token)', () => {
  type Mutation =
    | { kind: 'bit'; segment: number; bit: number }
    | { kind: 'replace'; at: number; char: string }
    | { kind: 'insert'; at: number; char: string }
    | { kind: 'delete'; at: number; length: number }
    | { kind: 'swap'; order: [number, number, number] }
    | { kind: 'case'; at: number }
    | { kind: 'append'; text: string };

  const char = fc.oneof(base64urlChar, fc.constantFrom('.', '=', '+', '/', ' ', '\0', 'é', '😀'));
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('bit' as const), segment: fc.nat({ max: 2 }), bit: fc.nat() }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), char }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({
      kind: fc.constant('swap' as const),
      order: fc.constantFrom<[number, number, number]>([1, 0, 2], [0, 2, 1], [2, 1, 0], [1, 2, 0], [2, 0, 1], [0, 0, 2], [0, 1, 1], [1, 1, 2]),
    }),
    fc.record({ kind: fc.constant('case' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), text: fc.constantFrom('.', '.x', '=', '==', 'A', ' ', '\n', '.e30') }),
  );

  function mutate(token: string, m: Mutation): string {
    const segments = token.split('.');
    // Earlier mutations may have emptied the token or merged segments: then this one does nothing.
    if (token.length === 0 && m.kind !== 'insert' && m.kind !== 'append') return token;
    switch (m.kind) {
      case 'bit': {
        const segment = segments[m.segment];
        if (segment === undefined || segment.length < 2) return token;
        const bytes = Buffer.from(segment, 'base64url');
        if (bytes.length === 0) return token;
        const bit = m.bit % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        segments[m.segment] = bytes.toString('base64url');
        return segments.join('.');
      }
      case 'replace': {
        const at = m.at % token.length;
        return token.slice(0, at) + m.char + token.slice(at + 1);
      }
      case 'insert': {
        const at = m.at % (token.length + 1);
        return token.slice(0, at) + m.char + token.slice(at);
      }
      case 'delete': {
        const at = m.at % token.length;
        return token.slice(0, at) + token.slice(at + m.length);
      }
      case 'swap':
        return m.order.map((i) => segments[i]).join('.');
      case 'case': {
        const at = m.at % token.length;
        const c = token[at]!;
        return token.slice(0, at) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + token.slice(at + 1);
      }
      case 'append':
        return token + m.text;
    }
  }

  it(
    'one to three mutations of a valid RS256, ES256 or EdDSA token: rejected unless it is still the very same token',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 2 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (which, mutations) => {
          const original = valid[which]!;
          const mutated = mutations.reduce(mutate, original);
          const outcome = await verifyChecked(mutated);
          expect(outcome).toBe(mutated === original ? 'passed' : 'rejected');
        }),
        runs(1_500),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe('header and claim mutations re-signed with the attacker key', () => {
  it(
    'whatever the header (kid, alg, typ, embedded jwk, jku, x5u, crit) and claims: rejected, and no URL from the token is fetched',
    async () => {
      const header = fc.record(
        {
          kid: fc.oneof(fc.constantFrom(...issuerKids()), fc.string({ maxLength: 20 })),
          typ: fc.constantFrom('at+jwt', 'JWT', 'application/at+jwt', undefined),
          jwk: fc.constantFrom(issuer.attackerJwk, { ...issuer.attackerJwk, kid: issuer.currentKid('RS256') }),
          jku: fc.constant(`${trap.url}/jwks.json`),
          x5u: fc.constant(`${trap.url}/cert.pem`),
          x5c: fc.constant(['MIIB']),
          crit: fc.constantFrom(['exp'], undefined),
          alg: fc.constantFrom('RS256', 'RS384', 'PS256', undefined),
        },
        { requiredKeys: [] },
      );
      const claims = fc.record(
        {
          iss: fc.constantFrom(issuer.url, `${issuer.url}/`, 'https://attacker.example/'),
          aud: fc.constantFrom(issuer.audience, [issuer.audience, 'x'], 'other'),
          exp: fc.oneof(fc.constant(Math.floor(Date.now() / 1000) + 3_600), jsonish),
          scope: fc.constantFrom('read write admin', 'read'),
          sub: jsonish,
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(header, claims, fc.constantFrom<MintAlgorithm>('RS256', 'PS256', 'RS512'), async (h, c, alg) => {
          const token = mint(c, { alg, key: 'attacker', header: h });
          expect(await verifyChecked(token)).toBe('rejected');
        }),
        runs(300, 50),
      );
      expect(trap.hits, 'a URL named by a token was fetched').toBe(0);
    },
    FUZZ_TIMEOUT,
  );
});

function issuerKids(): string[] {
  return [...new Set(issuer.kids())];
}

function validSignatures(): string[] {
  return valid.map((token) => token.split('.')[2]!);
}
