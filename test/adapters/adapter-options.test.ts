/** Adapter options are checked by name in Express and Koa, like the verifier's own. */
import { describe, expect, it } from 'vitest';
import * as portcullisExpress from '@portcullis/express';
import * as portcullisKoa from '@portcullis/koa';

const base = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };

describe.each([
  ['Express', portcullisExpress.requireAuth],
  ['Koa', portcullisKoa.requireAuth],
] as const)('%s requireAuth', (_name, requireAuth) => {
  it('TypeError naming a misspelt adapter option and the right one', () => {
    expect(() => requireAuth(base, { optinal: true } as never)).toThrow(/option "optinal" is not a known option \(did you mean "optional"\?\)/);
    expect(() => requireAuth(base, { error: 'pass' } as never)).toThrow(/option "error" is not a known option \(did you mean "errors"\?\)/);
  });

  it('TypeError saying where an adapter option goes when it sits among the verifier options', () => {
    expect(() => requireAuth({ ...base, optional: true } as never)).toThrow(/option "optional" is an adapter option: pass it in the second argument/);
  });

  it('TypeError naming a misspelt verifier option', () => {
    expect(() => requireAuth({ ...base, clockTolerence: 5 } as never)).toThrow(/did you mean "clockTolerance"/);
  });
});
