/**
 * Controllers shared by the tests, written as a Nest user would: class and handler decorators, and
 * `@Auth()` for the verified token.
 */
import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AnyScope, Auth, PortcullisGuard, Public, Scopes, type AccessToken } from '../src/index.js';

/** What a handler answers with: who called, so tests see the token reached it. */
export const echo = (auth: AccessToken | undefined) =>
  auth === undefined
    ? { authenticated: false }
    : { authenticated: true, subject: auth.subject, clientId: auth.clientId, scopes: auth.scopes };

@Controller('orders')
@Scopes('orders:read')
export class OrdersController {
  @Get()
  list(@Auth() auth: AccessToken) {
    return echo(auth);
  }

  // The controller's orders:read, plus orders:write.
  @Post()
  @HttpCode(200)
  @Scopes('orders:write')
  create(@Auth() auth: AccessToken) {
    return echo(auth);
  }

  @Get('audit')
  @AnyScope('orders:admin', 'orders:audit')
  audit(@Auth() auth: AccessToken) {
    return echo(auth);
  }

  @Get('catalog')
  @Public()
  catalog(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }
}

@Controller('health')
@Public()
export class HealthController {
  @Get()
  check(@Auth() auth: AccessToken | undefined) {
    return { ok: true, ...echo(auth) };
  }

  // Protected again inside a public controller: it declares scopes of its own.
  @Get('deep')
  @Scopes('ops:read')
  deep(@Auth() auth: AccessToken) {
    return echo(auth);
  }
}

@Controller('me')
export class MeController {
  @Get()
  me(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }

  @Get('boom')
  boom(): never {
    throw new Error('a bug in the handler');
  }
}

/** For apps with `global: false`: the guard only where `@UseGuards` puts it. */
@Controller('guarded')
@UseGuards(PortcullisGuard)
export class GuardedController {
  @Get()
  read(@Auth() auth: AccessToken) {
    return echo(auth);
  }
}

@Controller('unguarded')
export class UnguardedController {
  @Get()
  read() {
    return { open: true };
  }

  // @Auth() where no guard ran is a wiring mistake: a 500, never a silent undefined.
  @Get('auth')
  auth(@Auth() auth: AccessToken | undefined) {
    return echo(auth);
  }
}
