import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

// CommonJS apps load this ESM package with require(esm) (Node >= 20.19). The child runs the built
// package, so the root `pnpm test` builds first.
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const SCRIPT = `
const http = require('node:http');
const { requireAuth, requireScopes, requireAnyScope } = require('@portcullis/koa');
function get(url, authorization) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: authorization ? { authorization } : {}, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
async function main() {
  const results = {};
  for (const name of ['koa', 'koa2']) {
    const Koa = require(name);
    const app = new Koa();
    const auth = requireAuth({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE, jwksUri: process.env.JWKS_URI });
    app.use(auth);
    app.use(requireScopes('orders:read'));
    app.use(requireAnyScope('orders:read', 'admin'));
    app.use((ctx) => { ctx.body = ctx.state.auth.clientId; });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = 'http://127.0.0.1:' + server.address().port + '/';
    results[name] = [await get(url), await get(url, 'Bearer ' + process.env.TOKEN)];
    server.close();
    auth.verifier.close();
  }
  process.stdout.write(JSON.stringify(results));
}
main().catch((error) => { process.stderr.write(String(error)); process.exitCode = 1; });
`;

let issuer: FakeIssuer;
beforeAll(async () => {
  expect(existsSync(BUILT), 'packages/koa/dist/index.js is missing: run `pnpm build` first').toBe(true);
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

it('require("@portcullis/koa") from CommonJS gives working middleware for Koa 3 and Koa 2', async () => {
  const env = {
    ...process.env,
    ISSUER: issuer.url,
    AUDIENCE: issuer.audience,
    JWKS_URI: issuer.jwksUri,
    TOKEN: issuer.mint({ scope: 'orders:read' }),
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', SCRIPT],
      { cwd: PACKAGE_DIR, env, timeout: 15_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  expect(JSON.parse(stdout)).toEqual({ koa: [401, 200], koa2: [401, 200] });
});
