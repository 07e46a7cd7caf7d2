// Type tests (checked by `pnpm lint`): `audience` is required in the type as at run time, except when
// every issuer configuration names its own.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createVerifier, type VerifierOptions } from '../src/index.js';

const issuer = 'https://auth.example.com/';

describe('audience in the type of createVerifier', () => {
  it('error flow: createVerifier({ issuer }) does not compile, and throws naming "audience"', () => {
    // @ts-expect-error audience is required
    expect(() => createVerifier({ issuer })).toThrow(/option "audience" is required/);
    // @ts-expect-error an issuer entry without its own audience needs the verifier's
    expect(() => createVerifier({ issuer: [{ issuer }, { issuer: 'https://b.example.com/', audience: 'b' }] })).toThrow(/"audience"/);
    // @ts-expect-error a single issuer object without an audience, likewise
    expect(() => createVerifier({ issuer: { issuer } })).toThrow(/"audience"/);
  });

  it('happy flow: audience at the top, or on every issuer entry, compiles and constructs', () => {
    const verifiers = [
      createVerifier({ issuer, audience: 'https://api.example.com' }),
      createVerifier({ issuer: [{ issuer, audience: 'a' }, { issuer: 'https://b.example.com/', audience: ['b', 'c'] }] }),
      createVerifier({ issuer: { issuer, audience: 'a' } }),
      createVerifier({ issuer: [{ issuer }, { issuer: 'https://b.example.com/', audience: 'b' }], audience: 'default' }),
    ];
    expect(verifiers).toHaveLength(4);
    for (const verifier of verifiers) verifier.close();
    expectTypeOf<{ issuer: string; audience: string }>().toExtend<VerifierOptions>();
    expectTypeOf<{ issuer: string }>().not.toExtend<VerifierOptions>();
  });
});
