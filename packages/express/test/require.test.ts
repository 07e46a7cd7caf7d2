import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

// CommonJS, as an Express 4 app would be written: require() of this ESM package (Node >= 20.19),
// one app, two requests over loopback, and the statuses printed.
const script = `
const { requireAuth, requireScopes } = require('@portcullis/express');
const express = require(process.env.EXPRESS_MODULE);
const http = require('node:http');
const { ISSUER, JWKS_URI, AUDIENCE, TOKEN } = process.env;
const auth = requireAuth({ issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS_URI, realm: 'cjs' });
const app = express();
app.get('/orders', auth, requireScopes('orders:read'), (req, res) => res.send('subject=' + req.auth.subject));
function get(port, headers) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/orders', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode + ' ' + (res.headers['www-authenticate'] || body)));
    }).on('error', reject);
  });
}
const server = app.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  console.log(await get(port, {}));
  const bearerHeaders = { authorization: 'Bearer ' + TOKEN };
  console.log(await get(port, bearerHeaders)); // the status code only
  server.close();
  auth.verifier.close();
});
`;

describe('CommonJS', () => {
  it.each(['express', 'express4'])('require() of the package builds a working app with %s (Node require(esm))', async (expressModule) => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'dist is missing: run `pnpm build` first').toBe(true);
    const { stdout } = await run(process.execPath, ['-e', script], {
      cwd: packageDir,
      timeout: 15_000,
      env: {
        ...process.env,
        EXPRESS_MODULE: expressModule,
        ISSUER: issuer.url,
        JWKS_URI: issuer.jwksUri,
        AUDIENCE: issuer.audience,
        TOKEN: issuer.mint({ sub: 'svc-cjs', scope: 'orders:read' }),
      },
    });
    expect(stdout.trim().split('\n')).toEqual(['401 Bearer realm="cjs", DPoP realm="cjs", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"', '200 subject=svc-cjs']);
  });
});
