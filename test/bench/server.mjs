// One HTTP server of the HTTP phase, in its own process: `node server.mjs <framework> <variant>
// <setup.json>`. Serves GET /api → {"sub": …} behind the chosen authentication, tells its parent the
// port over IPC, and answers "mark" messages with its CPU time and request count so the parent can
// measure server CPU per request over exactly the measured window.
import { Buffer } from 'node:buffer';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';
import { readJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const [framework, variant, setupPath] = process.argv.slice(2);
const { issuer, audience, jwksUri, jwks, fillers, distinctCacheMax } = readJson(setupPath);
// distinctCacheMax: set by a quick run, whose token pool is smaller than the default token cache.
const portcullisOptions = { issuer, audience, jwksUri, ...(distinctCacheMax === undefined ? {} : { tokenCache: { max: distinctCacheMax } }) };
// Made here and handed to the adapter, so that "mark" can report its token cache hits and misses.
let verifier;
async function portcullisVerifier() {
  const { createVerifier } = await import('@portcullis/core');
  verifier = createVerifier(portcullisOptions);
  // A long-running server's token cache is full: fill it with other valid tokens (see run.mjs).
  for (const filler of fillers ?? []) await verifier.verify(filler);
  return verifier;
}

/**
 * The smallest possible RS256 check: split, decode, verify, read `sub`; no claim checks. The
 * reference for the adapters' distinct-token rows (sync, in every framework), and, in Express, for
 * comparing the synchronous `crypto.verify` with its callback form (which runs on the libuv thread
 * pool). `check(header, done)` calls `done(sub)`, with undefined for a refused token.
 */
function handRolledRs256(mode) {
  const key = createPublicKey({ key: jwks.keys.find((k) => k.alg === 'RS256'), format: 'jwk' });
  return (header, done) => {
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return void done(undefined);
    const token = header.slice(7);
    const first = token.indexOf('.');
    const last = token.lastIndexOf('.');
    const input = Buffer.from(token.slice(0, last), 'latin1');
    const signature = Buffer.from(token.slice(last + 1), 'base64url');
    const finish = (ok) => done(ok ? JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url').toString('utf8')).sub : undefined);
    if (mode === 'sync') finish(cryptoVerify('sha256', input, key, signature));
    else cryptoVerify('sha256', input, key, signature, (error, ok) => finish(error === null && ok));
  };
}

async function expressServer() {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  let sub;
  switch (variant) {
    case 'bare':
      sub = () => 'anonymous';
      break;
    case 'portcullis': {
      const { requireAuth } = await import('@portcullis/express');
      app.use(requireAuth(await portcullisVerifier()));
      sub = (req) => req.auth.subject;
      break;
    }
    case 'express-oauth2-jwt-bearer': {
      const { auth } = require('express-oauth2-jwt-bearer');
      app.use(auth({ issuer, audience, jwksUri, tokenSigningAlg: 'RS256' }));
      sub = (req) => req.auth.payload.sub;
      break;
    }
    case 'express-jwt': {
      const { expressjwt } = require('express-jwt');
      const { expressJwtSecret } = require('jwks-rsa');
      app.use(expressjwt({ secret: expressJwtSecret({ jwksUri, cache: true, rateLimit: true }), algorithms: ['RS256'], issuer, audience }));
      sub = (req) => req.auth.sub;
      break;
    }
    case 'handrolled':
    case 'crypto-sync':
    case 'crypto-callback': {
      const check = handRolledRs256(variant === 'crypto-callback' ? 'callback' : 'sync');
      app.use((req, res, next) =>
        check(req.headers.authorization, (found) => {
          if (found === undefined) return void res.status(401).end();
          req.sub = found;
          next();
        }),
      );
      sub = (req) => req.sub;
      break;
    }
    default:
      throw new Error(`unknown express variant ${variant}`);
  }
  app.get('/api', (req, res) => {
    res.json({ sub: sub(req) });
  });
  // Peers' errors carry `status`; anything else would be a bug worth seeing as a 500.
  app.use((error, _req, res, _next) => {
    res.status(typeof error?.status === 'number' ? error.status : 500).end();
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function fastifyServer() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  let sub;
  switch (variant) {
    case 'bare':
      sub = () => 'anonymous';
      break;
    case 'portcullis': {
      const { default: portcullis } = await import('@portcullis/fastify');
      await app.register(portcullis, { verifier: await portcullisVerifier() });
      sub = (request) => request.auth.subject;
      break;
    }
    case 'fastify-jwt': {
      // The pattern @fastify/jwt documents for a JWKS: get-jwks resolves the key by kid.
      const { default: fastifyJwt } = await import('@fastify/jwt');
      const { default: buildGetJwks } = await import('get-jwks');
      const getJwks = buildGetJwks({ jwksPath: new URL(jwksUri).pathname, issuersWhitelist: [issuer] });
      await app.register(fastifyJwt, {
        decode: { complete: true },
        secret: (_request, token) => getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain: token.payload.iss }),
        verify: { allowedIss: issuer, allowedAud: audience, algorithms: ['RS256'] },
      });
      app.addHook('onRequest', (request) => request.jwtVerify());
      sub = (request) => request.user.sub;
      break;
    }
    case 'handrolled': {
      const check = handRolledRs256('sync');
      app.decorateRequest('sub', null);
      app.addHook('onRequest', (request, reply, done) =>
        check(request.headers.authorization, (found) => {
          if (found === undefined) return void reply.code(401).send();
          request.sub = found;
          done();
        }),
      );
      sub = (request) => request.sub;
      break;
    }
    default:
      throw new Error(`unknown fastify variant ${variant}`);
  }
  app.get('/api', (request) => ({ sub: sub(request) }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server;
}

async function koaServer() {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  let sub;
  switch (variant) {
    case 'bare':
      sub = () => 'anonymous';
      break;
    case 'portcullis': {
      const { requireAuth } = await import('@portcullis/koa');
      app.use(requireAuth(await portcullisVerifier()));
      sub = (ctx) => ctx.state.auth.subject;
      break;
    }
    case 'koa-jwt': {
      const koaJwt = require('koa-jwt');
      const { koaJwtSecret } = require('jwks-rsa');
      app.use(koaJwt({ secret: koaJwtSecret({ jwksUri, cache: true, rateLimit: true }), algorithms: ['RS256'], issuer, audience }));
      sub = (ctx) => ctx.state.user.sub;
      break;
    }
    case 'handrolled': {
      const check = handRolledRs256('sync');
      app.use((ctx, next) => {
        let found;
        check(ctx.get('authorization'), (s) => {
          found = s;
        });
        if (found === undefined) {
          ctx.status = 401;
          return undefined;
        }
        ctx.state.sub = found;
        return next();
      });
      sub = (ctx) => ctx.state.sub;
      break;
    }
    default:
      throw new Error(`unknown koa variant ${variant}`);
  }
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/api') ctx.body = { sub: sub(ctx) };
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const servers = { express: expressServer, fastify: fastifyServer, koa: koaServer };
const server = await servers[framework]();
let requests = 0;
server.on('request', () => {
  requests++;
});
process.on('message', (message) => {
  if (message === 'mark') {
    const cpu = process.cpuUsage();
    const tokenCache = verifier?.stats().tokenCache;
    process.send({ type: 'mark', cpuMicros: cpu.user + cpu.system, userMicros: cpu.user, systemMicros: cpu.system, requests, hrtimeNs: Number(process.hrtime.bigint()), tokenCache });
  } else if (message === 'exit') {
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', port: server.address().port });
