// The guard outside HTTP (a WebSocket gateway or microservice handler it may see when global):
// it fails closed unless the handler is public.
import { Module, type ExecutionContext, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortcullisGuard, PortcullisModule, Public } from '../src/index.js';

class EventsGateway {
  @Public()
  ping() {
    return 'pong';
  }

  secret() {
    return 'never without a token';
  }
}

/** What Nest hands a guard for a non-HTTP handler: only the type, class and handler matter here. */
function contextOf(type: string, handler: () => unknown): ExecutionContext {
  return {
    getType: () => type,
    getClass: () => EventsGateway,
    getHandler: () => handler,
    switchToHttp: () => {
      throw new Error('not an HTTP context');
    },
  } as unknown as ExecutionContext;
}

describe('PortcullisGuard outside HTTP', () => {
  let app: INestApplicationContext;
  let guard: PortcullisGuard;
  beforeAll(async () => {
    @Module({ imports: [PortcullisModule.forRoot({ issuer: 'https://issuer.example.com/', audience: 'https://api.example.com' })] })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    guard = app.get(PortcullisGuard);
  });
  afterAll(async () => {
    await app.close();
  });

  it.each(['ws', 'rpc'])('a @Public() handler in a %s context is let through', (type) => {
    expect(guard.canActivate(contextOf(type, EventsGateway.prototype.ping))).toBe(true);
  });

  it.each(['ws', 'rpc'])('any other handler in a %s context is refused with an error saying why', (type) => {
    expect(() => guard.canActivate(contextOf(type, EventsGateway.prototype.secret))).toThrow(/protects HTTP routes only/);
  });
});
