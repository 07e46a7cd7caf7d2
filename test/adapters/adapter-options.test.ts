/** Adapter options are checked by name in Express, Koa, Hono and the web adapter, like the verifier's own. */
import { describe, expect, it } from 'vitest';
import * as portcullisExpress from '@portcullis/express';
import * as portcullisHono from '@portcullis/hono';
import * as portcullisKoa from '@portcullis/koa';
import * as portcullisWeb from '@portcullis/web';
import type { VerifierOptions } from '@portcullis/core';

/** The three adapters' requireAuth, as one callable type (Express's has its own generic signature). */
type RequireAuth = (optionsOrVerifier: VerifierOptions, options?: object) => unknown;

const base = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };

describe.each<[string, RequireAuth]>([
  ['Express', portcullisExpress.requireAuth],
  ['Koa', portcullisKoa.requireAuth],
  ['Hono', portcullisHono.requireAuth],
])('%s requireAuth', (_name, requireAuth) => {
  it('TypeError naming a misspelt adapter option and the right one', () => {
    expect(() => requireAuth(base, { optinal: true })).toThrow(/option "optinal" is not a known option \(did you mean "optional"\?\)/);
    expect(() => requireAuth(base, { error: 'pass' })).toThrow(/option "error" is not a known option \(did you mean "errors"\?\)/);
  });

  it('TypeError saying where an adapter option goes when it sits among the verifier options', () => {
    expect(() => requireAuth({ ...base, optional: true } as never)).toThrow(/option "optional" is an adapter option: pass it in the second argument/);
  });

  it('TypeError naming a misspelt verifier option', () => {
    expect(() => requireAuth({ ...base, clockTolerence: 5 } as never)).toThrow(/did you mean "clockTolerance"/);
  });
});

describe('web withAuth', () => {
  const { withAuth } = portcullisWeb;
  const handler = () => new Response('ok');

  it('TypeError naming a misspelt route option and the right one', () => {
    expect(() => withAuth(base, handler, { optinal: true } as never)).toThrow(/option "optinal" is not a known option \(did you mean "optional"\?\)/);
    expect(() => withAuth(base, handler, { scope: ['a'] } as never)).toThrow(/option "scope" is not a known option \(did you mean "scopes"\?\)/);
  });

  it('TypeError saying where a route option goes when it sits among the verifier options', () => {
    expect(() => withAuth({ ...base, optional: true } as never, handler)).toThrow(/option "optional" is a route option: pass it in the third argument/);
    expect(() => withAuth({ ...base, scopes: ['a'] } as never, handler)).toThrow(/option "scopes" is a route option: pass it in the third argument/);
  });

  it('TypeError naming a misspelt verifier option', () => {
    expect(() => withAuth({ ...base, clockTolerence: 5 } as never, handler)).toThrow(/did you mean "clockTolerance"/);
  });
});
