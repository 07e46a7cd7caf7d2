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

// CommonJS: require() of this ESM package (Node >= 20.19) guarding a node:http server; prints the
// challenge without a token and what req.auth held with one.
const script = `
const { createVerifier, requireMcpAuth } = require('@portcullis/mcp');
const http = require('node:http');
const { ISSUER, JWKS_URI, TOKEN } = process.env;
const server = http.createServer();
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const resource = 'http://127.0.0.1:' + port + '/mcp';
  const auth = requireMcpAuth(createVerifier({ issuer: ISSUER, jwksUri: JWKS_URI, audience: 'urn:cjs', resourceMetadata: { resource } }));
  server.on('request', (req, res) => auth(req, res, () => res.end('client=' + req.auth.clientId + ' exp=' + typeof req.auth.expiresAt)));
  const post = (headers) => new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode + ' ' + (res.headers['www-authenticate'] || body)));
    }).on('error', reject).end();
  });
  console.log(await post({}));
  console.log(await post({ authorization: 'Bearer ' + TOKEN }));
  server.close();
  auth.verifier.close();
});
`;

describe('CommonJS', () => {
  it('require() of the package guards a node:http server (Node require(esm))', async () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'dist is missing: run `pnpm build` first').toBe(true);
    // The port is the script's, so the token names an explicit audience rather than the resource.
    const { stdout } = await run(process.execPath, ['-e', script], {
      cwd: packageDir,
      timeout: 15_000,
      env: { ...process.env, ISSUER: issuer.url, JWKS_URI: issuer.jwksUri, TOKEN: issuer.mint({ aud: 'urn:cjs', client_id: 'svc-cjs' }) },
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^401 Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"$/);
    expect(lines[1]).toBe('200 client=svc-cjs exp=number');
  });
});
