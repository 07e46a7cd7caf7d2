/**
 * Fuzzing through every adapter over real HTTP: arbitrary Authorization values (in any scheme
 * spelling, with genuine tokens among them), query strings, repeated Authorization lines and mutated
 * genuine tokens. No input makes an adapter answer 500, every answer agrees with an independent
 * reading of RFC 6750, and only a genuine token gets a 200.
 */
import { Agent, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from '../faults/helpers/apps.js';
import { checkChallenge, recordGenuine } from './helpers/checks.js';
import { FUZZ_TIMEOUT, runs } from './helpers/runs.js';

interface Answer {
  status: number;
  wwwAuthenticate: string | undefined;
  body: string;
}

let issuer: FakeIssuer;
let genuine: Set<string>;
/** Genuine tokens with and without the `read` scope `/scoped` requires. */
let pool: { token: string; read: boolean }[];
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  issuer = await startFakeIssuer();
  const recorded = recordGenuine(issuer);
  genuine = recorded.genuine;
  pool = ['read write', 'write', 'read', '', 'READ', 'read:all'].map((scope) => ({
    token: recorded.mint({ scope }, { alg: 'ES256', lifetime: 3_600 }),
    read: scope.split(' ').includes('read'),
  }));
});
afterAll(async () => {
  agent.destroy();
  await issuer.close();
});

/** GET with exactly these header lines (a flat [name, value, ...] list, as Node's rawHeaders). */
function get(app: RunningApp, path: string, rawHeaders: string[]): Promise<Answer> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    // Header lines given as a list replace Node's defaults, Host included (without it Node answers 400).
    const headers = ['Host', `${hostname}:${port}`, ...rawHeaders];
    const req = request({ hostname, port, path, method: 'GET', headers, agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, wwwAuthenticate: res.headers['www-authenticate'], body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/** The invariants of every answer, whatever was sent. */
function checkAnswer(answer: Answer, sentToken: string | undefined): void {
  expect(answer.status, 'never a 500').not.toBe(500);
  expect([200, 400, 401, 403]).toContain(answer.status);
  if (sentToken !== undefined && sentToken.length >= 16) expect(answer.body.includes(sentToken)).toBe(false);
  if (answer.status === 200) return;
  const params = checkChallenge(answer.wwwAuthenticate ?? '');
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  // A bare 401 (no error code in the challenge) has none in its body either (RFC 6750 §3.1).
  const bare = answer.status === 401 && params.error === undefined;
  expect(Object.keys(body).sort()).toEqual(bare ? ['error_description'] : ['error', 'error_description']);
  const expected = { 400: 'invalid_request', 401: bare ? undefined : 'invalid_token', 403: 'insufficient_scope' }[answer.status];
  // A DPoP-scheme credential fails on its (absent) proof: invalid_dpop_proof, in the DPoP scheme.
  const dpop = (answer.wwwAuthenticate ?? '').startsWith('DPoP error=');
  expect(body.error).toBe(dpop && answer.status === 401 ? 'invalid_dpop_proof' : expected);
  if (params.error !== undefined) expect(params.error).toBe(body.error);
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** What a Node HTTP client may send in a header value: HTAB, SP, visible ASCII, obs-text. */
const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'ABCxyz019-._~+/='.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\t', ',', '"', '\\', ';') },
  { weight: 1, arbitrary: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)) },
);
const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR', 'Basic', 'DPoP', 'Bearerx', 'Beare', '');
const separator = fc.constantFrom(' ', '  ', '\t', '', ' \t');

/** Where the credential path of a request leads: the oracle. */
function expectedStatus(value: string, path: string): number {
  if (/[?&]access_token=/.test(path)) return 400;
  // llhttp strips leading and trailing whitespace from header values.
  const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '');
  if (trimmed === '') return 401;
  const schemeName = /^[^ \t]*/.exec(trimmed)![0];
  // DPoP (RFC 9449 §7.1) is a credential scheme too in the default mode.
  const lower = schemeName.toLowerCase();
  if (lower !== 'bearer' && lower !== 'dpop') return 401;
  const rest = trimmed.slice(schemeName.length);
  if (!/^ +/.test(rest) || !B64TOKEN.test(rest.replace(/^ +/, ''))) return 400;
  // A DPoP credential without a DPoP proof header: 401 invalid_dpop_proof.
  if (lower === 'dpop') return 401;
  const token = rest.replace(/^ +/, '');
  const entry = pool.find((p) => p.token === token);
  if (entry === undefined) return 401;
  return path.startsWith('/scoped') && !entry.read ? 403 : 200;
}

describe.each(ADAPTERS.map((a) => [a.name, a] as const))('fuzzing through %s', (_name, adapter) => {
  let verifier: Verifier;
  let app: RunningApp;

  beforeAll(async () => {
    verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
    app = await adapter.start(verifier);
  });
  afterAll(async () => {
    await app.close();
    verifier.close();
  });

  it(
    'any Authorization value and query: the status RFC 6750 gives, a well-formed challenge, never a 500',
    async () => {
      const value = fc.oneof(
        fc.tuple(scheme, separator, fc.constantFrom(...pool.map((p) => p.token))).map(([s, sep, t]) => `${s}${sep}${t}`),
        fc.tuple(scheme, separator, fc.string({ unit: headerChar, maxLength: 60 })).map(([s, sep, rest]) => `${s}${sep}${rest}`),
        fc.string({ unit: headerChar, maxLength: 80 }),
      );
      const query = fc.oneof(
        { weight: 4, arbitrary: fc.constant('') },
        { weight: 2, arbitrary: fc.webQueryParameters().map((q) => (q === '' ? '' : `?${q}`)) },
        { weight: 1, arbitrary: fc.constantFrom('?access_token=abc', '?a=1&access_token=', '?access_tokens=x', '?ACCESS_TOKEN=x') },
      );
      await fc.assert(
        fc.asyncProperty(value, fc.constantFrom('/protected', '/scoped'), query, async (authorization, route, q) => {
          const path = `${route}${q}`;
          const answer = await get(app, path, ['Authorization', authorization]);
          checkAnswer(answer, authorization.replace(/^\S*\s*/, ''));
          expect(answer.status, `${route} with a ${authorization.length}-character Authorization value`).toBe(expectedStatus(authorization, path));
          if (answer.status === 200) expect(pool.some((p) => authorization.endsWith(p.token) && genuine.has(p.token))).toBe(true);
        }),
        runs(150, 100),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'two or more Authorization lines, in any spelling, whatever they hold: 400',
    async () => {
      const line = fc.oneof(fc.constantFrom(...pool.map((p) => `Bearer ${p.token}`)), fc.string({ unit: headerChar, minLength: 1, maxLength: 30 }));
      const name = fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION');
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(name, line), { minLength: 2, maxLength: 3 }), async (lines) => {
          const answer = await get(app, '/protected', lines.flat());
          checkAnswer(answer, undefined);
          expect(answer.status).toBe(400);
        }),
        runs(50, 200),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'a genuine token with one to three edits: 401 (or 400 when it is no b64token any more), unless unchanged',
    async () => {
      const edit = fc.record({ at: fc.nat(), char: fc.constantFrom(...'AQgw-_.=+/~'.split('')), remove: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: pool.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), async (which, edits) => {
          const original = pool[which]!.token;
          const mutated = edits.reduce((token, e) => {
            const at = e.at % token.length;
            return token.slice(0, at) + (e.remove ? '' : e.char) + token.slice(at + 1);
          }, original);
          const answer = await get(app, '/protected', ['Authorization', `Bearer ${mutated}`]);
          checkAnswer(answer, mutated);
          const expected = mutated === original ? 200 : B64TOKEN.test(mutated) && mutated !== '' ? 401 : 400;
          expect(answer.status).toBe(expected);
        }),
        runs(100, 100),
      );
    },
    FUZZ_TIMEOUT,
  );
});
