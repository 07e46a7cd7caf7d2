// Nest's pipeline ends for every request, a refused one included: the promise Nest awaits for the
// route (what a tracing span or an instrumentation waits on) settles, while the refusal's answer stays
// the one the guard wrote, whatever catch-all exception filter the app has.
import { Catch, Controller, Get, HttpException, Inject, Module, UseFilters, type ArgumentsHost, type ExceptionFilter, type Type } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { RouterProxy } from '@nestjs/core/router/router-proxy.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { Auth, PortcullisModule, type AccessToken } from '../src/index.js';
import { MeController } from './controllers.js';
import { PLATFORMS, bearer, send, startApp, type Answer, type RunningApp, type SendOptions } from './helpers.js';

/**
 * The detector: every route proxy Nest builds is wrapped so that each call is counted when it starts
 * and when its promise settles. A request whose pipeline was left pending stays in `pending`.
 */
const pipelines = { started: 0, settled: 0, rejected: 0 };
type Proxy = (...args: unknown[]) => Promise<unknown>;
const createProxy = RouterProxy.prototype.createProxy;
RouterProxy.prototype.createProxy = function (this: RouterProxy, ...args: Parameters<typeof createProxy>) {
  const proxy = createProxy.apply(this, args) as unknown as Proxy;
  const counted: Proxy = (...callArgs) => {
    pipelines.started += 1;
    const running = proxy(...callArgs);
    running.then(
      () => void (pipelines.settled += 1),
      () => {
        pipelines.settled += 1;
        pipelines.rejected += 1;
      },
    );
    return running;
  };
  return counted as unknown as ReturnType<typeof createProxy>;
};

/** Waits (bounded: 50 turns of 20 ms) until every started pipeline has settled. */
async function settledPipelines(): Promise<typeof pipelines> {
  for (let turn = 0; turn < 50 && pipelines.settled < pipelines.started; turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { ...pipelines };
}

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

const seen: unknown[] = [];

/** A catch-all filter that writes without looking at whether an answer was already sent. */
@Catch()
class CatchAllFilter implements ExceptionFilter {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}
  catch(exception: unknown, host: ArgumentsHost): void {
    seen.push(exception);
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { message: 'handled by the app' }, status);
  }
}

/** The same, bound to a controller's handler with @UseFilters (the filter Nest tries first). */
@Controller('filtered')
class FilteredController {
  @Get()
  @UseFilters(CatchAllFilter)
  get(@Auth() auth: AccessToken) {
    return { subject: auth.subject };
  }
}

function appModule(filter: boolean): Type {
  @Module({
    imports: [
      PortcullisModule.forRoot({
        issuer: [
          { issuer: issuer.url, jwksUri: issuer.jwksUri },
          { issuer: down.url, jwksUri: down.jwksUri },
        ],
        audience: issuer.audience,
        jwks: { timeout: 500 },
      }),
    ],
    controllers: [MeController, FilteredController],
    providers: filter ? [{ provide: APP_FILTER, useClass: CatchAllFilter }] : [],
  })
  class AppModule {}
  return AppModule;
}

const REFUSALS: readonly (readonly [string, () => SendOptions])[] = [
  ['no token', () => ({ path: '/me' })],
  ['an expired token', () => ({ path: '/me', headers: bearer(issuer.mint({}, { lifetime: -60 })) })],
  ['a malformed header', () => ({ path: '/me', headers: { Authorization: 'Bearer' } })],
  ['keys that cannot be had', () => ({ path: '/me', headers: bearer(down.mint()) })],
  ['no token, on a handler with its own catch-all filter', () => ({ path: '/filtered' })],
];

const comparable = (answer: Answer) => ({
  status: answer.status,
  challenge: answer.headers['www-authenticate'],
  retryAfter: answer.headers['retry-after'] !== undefined,
  cacheControl: answer.headers['cache-control'],
  body: answer.body,
});

describe.each(PLATFORMS)("Nest's pipeline on $name", (platform) => {
  let plain: RunningApp;
  let filtered: RunningApp;
  beforeAll(async () => {
    plain = await startApp(platform, appModule(false));
    filtered = await startApp(platform, appModule(true));
  });
  afterAll(async () => {
    await Promise.all([plain.close(), filtered.close()]);
  });

  it.each(REFUSALS)('settles for a refusal (%s), with or without a catch-all filter, and the answer is unchanged', async (_name, makeRequest) => {
    const request = makeRequest();
    seen.length = 0;
    const before = await settledPipelines();
    const expected = await send(plain.url, request);
    const withFilter = await send(filtered.url, request);
    const after = await settledPipelines();
    expect(expected.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(expected.body)).toHaveProperty('error_description');
    expect(comparable(withFilter)).toEqual(comparable(expected));
    expect(after.started - before.started).toBe(2);
    expect(after.settled - before.settled).toBe(2);
    expect(after.rejected - before.rejected).toBe(0);
    // The app's filter never had the refusal to answer again.
    expect(seen).toEqual([]);
  });

  it('settles for an accepted token, and the app filter still handles what a handler throws', async () => {
    seen.length = 0;
    const before = await settledPipelines();
    const ok = await send(filtered.url, { path: '/me', headers: bearer(issuer.mint()) });
    const boom = await send(filtered.url, { path: '/me/boom', headers: bearer(issuer.mint()) });
    const after = await settledPipelines();
    expect(ok.status).toBe(200);
    expect(boom.status).toBe(500);
    expect(JSON.parse(boom.body)).toEqual({ message: 'handled by the app' });
    expect(seen).toHaveLength(1);
    expect(after.settled - before.settled).toBe(2);
  });
});
