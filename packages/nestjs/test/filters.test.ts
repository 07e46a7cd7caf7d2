// An app's own exception filters: refusals keep their exact answer (respond mode), or reach the
// filters as a PortcullisException carrying status and headers (errors: 'pass').
import { Catch, HttpException, Inject, Module, type ArgumentsHost, type ExceptionFilter, type Type } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { PortcullisException, PortcullisModule, type PortcullisModuleOptions } from '../src/index.js';
import { MeController, OrdersController } from './controllers.js';
import { PLATFORMS, bearer, send, startApp, type Answer, type RunningApp, type SendOptions } from './helpers.js';

let issuer: FakeIssuer;
let down: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
  down = await startFakeIssuer();
  down.setJwksMode('down');
});
afterAll(async () => {
  await issuer.close();
  await down.close();
});

/** Everything each filter instance saw, for the assertions. */
const seen: unknown[] = [];

/**
 * The catch-all filter many Nest apps have: every exception becomes `{ statusCode, message }`, with
 * no thought for headers. Written against Nest's HTTP adapter so it runs on both platforms.
 */
@Catch()
class CatchAllFilter implements ExceptionFilter {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}
  catch(exception: unknown, host: ArgumentsHost): void {
    seen.push(exception);
    const { httpAdapter } = this.adapterHost;
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    httpAdapter.reply(host.switchToHttp().getResponse(), { statusCode: status, message: 'handled by the app' }, status);
  }
}

/** A filter written for 'pass' mode: it renders its own body and sends the exception's headers. */
@Catch(PortcullisException)
class AuthProblemFilter implements ExceptionFilter {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}
  catch(exception: PortcullisException, host: ArgumentsHost): void {
    seen.push(exception);
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    for (const [name, value] of Object.entries(exception.headers)) httpAdapter.setHeader(response, name, value);
    httpAdapter.reply(response, { problem: exception.code, status: exception.getStatus() }, exception.getStatus());
  }
}

const verifierOptions = () => ({
  issuer: [
    { issuer: issuer.url, jwksUri: issuer.jwksUri },
    { issuer: down.url, jwksUri: down.jwksUri },
  ],
  audience: issuer.audience,
  jwks: { timeout: 500 },
});

function appModule(options: Partial<PortcullisModuleOptions>, filter?: { via: 'APP_FILTER'; filter: Type }): Type {
  @Module({
    imports: [PortcullisModule.forRoot({ ...verifierOptions(), ...options } as PortcullisModuleOptions)],
    controllers: [MeController, OrdersController],
    providers: filter ? [{ provide: APP_FILTER, useClass: filter.filter }] : [],
  })
  class AppModule {}
  return AppModule;
}

/** One request of each refusal kind (built when the test runs: tokens need the issuers). */
const REFUSALS: readonly (readonly [string, () => SendOptions])[] = [
  ['no token', () => ({ path: '/me' })],
  ['an expired token', () => ({ path: '/me', headers: bearer(issuer.mint({}, { lifetime: -60 })) })],
  ['a malformed header', () => ({ path: '/me', headers: { Authorization: 'Bearer' } })],
  ['a missing scope', () => ({ path: '/orders', headers: bearer(issuer.mint({ scope: 'profile' })) })],
  ['keys that cannot be had', () => ({ path: '/me', headers: bearer(down.mint()) })],
];

const comparable = (answer: Answer) => ({
  status: answer.status,
  challenge: answer.headers['www-authenticate'],
  retryAfter: answer.headers['retry-after'] !== undefined,
  cacheControl: answer.headers['cache-control'],
  contentType: answer.headers['content-type'],
  body: answer.body,
});

describe.each(PLATFORMS)('exception filters on $name', (platform) => {
  let plain: RunningApp;
  let globalFilter: RunningApp;
  let appFilter: RunningApp;
  let passWithFilter: RunningApp;
  let passDefault: RunningApp;
  beforeAll(async () => {
    plain = await startApp(platform, appModule({}));
    globalFilter = await startApp(platform, appModule({}), (app) => app.useGlobalFilters(new CatchAllFilter(app.get(HttpAdapterHost))));
    appFilter = await startApp(platform, appModule({}, { via: 'APP_FILTER', filter: CatchAllFilter }));
    passWithFilter = await startApp(platform, appModule({ errors: 'pass' }, { via: 'APP_FILTER', filter: AuthProblemFilter }));
    passDefault = await startApp(platform, appModule({ errors: 'pass' }));
  });
  afterAll(async () => {
    await Promise.all([plain, globalFilter, appFilter, passWithFilter, passDefault].map((app) => app.close()));
  });

  it.each(REFUSALS)("a catch-all filter (useGlobalFilters) changes nothing of the answer to %s, and never sees it", async (_name, makeRequest) => {
    const request = makeRequest();
    seen.length = 0;
    const expected = comparable(await send(plain.url, request));
    expect(expected.status).toBeGreaterThanOrEqual(400);
    expect(comparable(await send(globalFilter.url, request))).toEqual(expected);
    expect(seen).toEqual([]);
  });

  it.each(REFUSALS)('a catch-all filter (APP_FILTER) changes nothing of the answer to %s, and never sees it', async (_name, makeRequest) => {
    const request = makeRequest();
    seen.length = 0;
    const expected = comparable(await send(plain.url, request));
    expect(comparable(await send(appFilter.url, request))).toEqual(expected);
    expect(seen).toEqual([]);
  });

  it('the catch-all filter still handles what the handler throws', async () => {
    seen.length = 0;
    const answer = await send(globalFilter.url, { path: '/me/boom', headers: bearer(issuer.mint()) });
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ statusCode: 500, message: 'handled by the app' });
    expect(seen).toHaveLength(1);
  });

  it("errors: 'pass' hands the filter an HttpException with the status, the code and the challenge headers", async () => {
    seen.length = 0;
    const token = issuer.mint({}, { lifetime: -60 });
    const answer = await send(passWithFilter.url, { path: '/me', headers: bearer(token) });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({ problem: 'invalid_token', status: 401 });
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(seen).toHaveLength(1);
    const exception = seen[0] as PortcullisException;
    expect(exception).toBeInstanceOf(HttpException);
    expect(exception).toBeInstanceOf(PortcullisException);
    expect(exception.getStatus()).toBe(401);
    expect(exception.statusCode).toBe(401);
    expect(exception.getResponse()).toEqual({ error: 'invalid_token', error_description: exception.authError.description });
    expect(exception.cause).toBe(exception.authError);
    expect(exception.headers).toEqual(exception.authError.headers);
    expect(JSON.stringify(exception.getResponse())).not.toContain(token);
  });

  it("errors: 'pass' hands a 503 over with Retry-After and no challenge", async () => {
    seen.length = 0;
    const answer = await send(passWithFilter.url, { path: '/me', headers: bearer(down.mint()) });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ problem: 'keys_unavailable', status: 503 });
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(answer.headers['www-authenticate']).toBeUndefined();
  });

  it.each(REFUSALS)("errors: 'pass' with no filter of the app's: Nest's own handler sends the same answer to %s", async (_name, makeRequest) => {
    const request = makeRequest();
    const expected = comparable(await send(plain.url, request));
    expect(comparable(await send(passDefault.url, request))).toEqual(expected);
  });
});
