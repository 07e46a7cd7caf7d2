// A Next.js app's shared verifier, made once at module scope from the environment as a Next app
// would (here the test's fake issuer), and used by every route file.
import process from 'node:process';
import { createVerifier } from '../../../src/index.js';

export const verifier = createVerifier({
  issuer: process.env.TEST_ISSUER_URL!,
  jwksUri: process.env.TEST_JWKS_URI!,
  resourceMetadata: { resource: 'https://api.example.com/orders', scopesSupported: ['orders:read'] },
});
