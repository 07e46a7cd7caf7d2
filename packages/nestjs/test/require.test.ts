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

// CommonJS, as TypeScript compiles a Nest app to it (decorators applied by hand here, as tsc's
// __decorate does): require() of the built package (Node >= 20.19 require(esm)), one app, a request
// without and one with a token, and the answers printed.
const script = `
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { Auth, PortcullisModule, Scopes } = require('@portcullis/nestjs');
const { ISSUER, JWKS_URI, AUDIENCE, TOKEN } = process.env;

class OrdersController {
  list(auth) { return 'subject=' + auth.subject; }
}
Auth()(OrdersController.prototype, 'list', 0);
const descriptor = Object.getOwnPropertyDescriptor(OrdersController.prototype, 'list');
Scopes('orders:read')(OrdersController.prototype, 'list', descriptor);
Get('orders')(OrdersController.prototype, 'list', descriptor);
Controller()(OrdersController);
class AppModule {}
Module({
  imports: [PortcullisModule.forRoot({ issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS_URI, realm: 'cjs' })],
  controllers: [OrdersController],
})(AppModule);

(async () => {
  const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const url = 'http://127.0.0.1:' + app.getHttpServer().address().port + '/orders';
  for (const headers of [{}, { authorization: 'Bearer ' + TOKEN }]) {
    const res = await fetch(url, { headers });
    console.log(res.status + ' ' + (res.headers.get('www-authenticate') || (await res.text())));
  }
  await app.close();
})();
`;

describe('CommonJS', () => {
  it('require() of the built package protects a Nest app (Node require(esm))', async () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'dist is missing: run `pnpm build` first').toBe(true);
    const { stdout } = await run(process.execPath, ['-e', script], {
      cwd: packageDir,
      timeout: 15_000,
      env: {
        ...process.env,
        ISSUER: issuer.url,
        JWKS_URI: issuer.jwksUri,
        AUDIENCE: issuer.audience,
        TOKEN: issuer.mint({ sub: 'svc-cjs', scope: 'orders:read' }),
      },
    });
    expect(stdout.trim().split('\n')).toEqual(['401 Bearer realm="cjs", DPoP realm="cjs", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"', '200 subject=svc-cjs']);
  });
});
