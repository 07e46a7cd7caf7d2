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
const Fastify = require('fastify');
const portcullisModule = require('@portcullis/fastify');
function get(url, authorization) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: authorization ? { authorization } : {}, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve([res.statusCode, body]));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
async function main() {
  const options = { issuer: process.env.ISSUER, audience: process.env.AUDIENCE, jwksUri: process.env.JWKS_URI };
  const results = { sameExport: portcullisModule.default === portcullisModule.portcullis };
  // Both CommonJS idioms: the module itself (Fastify reads its default) and the named export.
  for (const [name, plugin] of [['module', portcullisModule], ['named', portcullisModule.portcullis]]) {
    const app = Fastify();
    await app.register(plugin, options);
    app.get('/me', { config: { auth: { scopes: ['orders:read'] } } }, async (request) => request.auth.clientId);
    const url = (await app.listen({ port: 0, host: '127.0.0.1' })) + '/me';
    results[name] = [await get(url), await get(url, 'Bearer ' + process.env.TOKEN)];
    await app.close();
  }
  process.stdout.write(JSON.stringify(results));
}
main().catch((error) => { process.stderr.write(String(error)); process.exitCode = 1; });
`;

let issuer: FakeIssuer;
beforeAll(async () => {
  expect(existsSync(BUILT), 'packages/fastify/dist/index.js is missing: run `pnpm build` first').toBe(true);
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

it('require("@portcullis/fastify") from CommonJS gives a working plugin, as the module and as the named export', async () => {
  const env = {
    ...process.env,
    ISSUER: issuer.url,
    AUDIENCE: issuer.audience,
    JWKS_URI: issuer.jwksUri,
    TOKEN: issuer.mint({ scope: 'orders:read', client_id: 'orders-service' }),
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', SCRIPT],
      { cwd: PACKAGE_DIR, env, timeout: 15_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  const bare = [401, JSON.stringify({ error_description: 'authentication required' })];
  expect(JSON.parse(stdout)).toEqual({
    sameExport: true,
    module: [bare, [200, 'orders-service']],
    named: [bare, [200, 'orders-service']],
  });
});
