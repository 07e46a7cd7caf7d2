/**
 * The verification loop measured on every runtime (Node, Bun, Deno, workerd): Portcullis core's
 * verifier and jose's jwtVerify over the same tokens, keys and checks (issuer, audience, exp), with
 * Portcullis's token cache off so every call verifies a signature.
 */
/* global Response, URL */
import { createVerifier, importVerificationKey } from '@portcullis/core';
import { createLocalJWKSet, jwtVerify } from 'jose';

let state;

/** `POST /setup` (JSON `{ issuer, audience, jwks, tokens: { alg: [token…] } }`), `GET /run?lib&alg&n`. */
export async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname === '/setup') {
    setup(await request.json());
    return Response.json({ ready: true });
  }
  if (url.pathname === '/run') {
    const n = Number(url.searchParams.get('n'));
    return Response.json(await run(url.searchParams.get('lib'), url.searchParams.get('alg'), n));
  }
  return new Response('not found', { status: 404 });
}

export function setup({ issuer, audience, jwks, tokens }) {
  state = makeState({ issuer, audience, jwks, tokens });
  return state;
}

function makeState({ issuer, audience, jwks, tokens }) {
  const keys = jwks.keys.map((jwk) => importVerificationKey(jwk)).filter((key) => key !== undefined);
  const keySource = { peek: () => keys, load: async () => keys };
  const verifier = createVerifier({ issuer: [{ issuer, keySource }], audience, tokenCache: false });
  const joseKeys = createLocalJWKSet(jwks);
  return { verifier, joseKeys, issuer, audience, tokens };
}

/** Verifies `n` tokens of `alg` with `lib`; answers how many passed (all must). */
export async function run(lib, alg, n) {
  if (lib === 'none') return { lib, alg, n: 0, passed: 0 };
  const { verifier, joseKeys, issuer, audience, tokens } = state;
  const pool = tokens[alg];
  let passed = 0;
  try {
    if (lib === 'portcullis') {
      for (let i = 0; i < n; i++) if ((await verifier.verify(pool[i % pool.length])).issuer === issuer) passed++;
    } else {
      const options = { issuer, audience };
      for (let i = 0; i < n; i++) if ((await jwtVerify(pool[i % pool.length], joseKeys, options)).payload.iss === issuer) passed++;
    }
  } catch (error) {
    return { lib, alg, n, passed, error: String(error && error.message ? error.message : error) };
  }
  return { lib, alg, n, passed };
}
