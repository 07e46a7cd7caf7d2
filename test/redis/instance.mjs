// Child process of many-instances.test.ts: one instance of an API (Express or Fastify) behind a load
// balancer, with its own verifier and its own Redis client, sharing the DPoP replay store and the
// introspection cache with the other instances through Redis. Runs on the built packages (`pnpm build`).
//
// Two issuer entries over the one fake issuer: opaque tokens go to the introspecting issuer (ISSUER_URL);
// the DPoP-bound JWTs name another issuer (JWT_ISSUER) whose keys are the fake issuer's JWKS, so they are
// verified locally (an issuer configured with `introspection` introspects its JWTs too).
//
// argv = [framework: 'express' | 'fastify']; env: ISSUER_URL, JWT_ISSUER, JWKS_URI, AUDIENCE, REDIS_URL,
// INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET, PUBLIC_URL, STORE_TIMEOUT (ms).
// GET /stats (unprotected) answers the verifier's introspection stats, for the test's failure messages. Prints one JSON line `{ "port": n }`
// once listening; exits on SIGTERM.
import process from 'node:process';
import { createVerifier } from '@portcullis/core';
import { requireAuth } from '@portcullis/express';
import portcullis from '@portcullis/fastify';
import { RedisIntrospectionCache, RedisReplayStore } from '@portcullis/redis';
import express from 'express';
import Fastify from 'fastify';
import { createClient } from 'redis';

const framework = process.argv[2];
const env = (name) => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`instance.mjs: ${name} is not set`);
  return value;
};

const redis = createClient({
  url: env('REDIS_URL'),
  // A quick reconnect so the test's restart is picked up soon; the stores' timeout bounds every call meanwhile.
  socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 200), connectTimeout: 1_000 },
});
redis.on('error', () => {});
await redis.connect();

const storeOptions = { keyPrefix: 'orders-api:', timeout: Number(env('STORE_TIMEOUT')) };
const verifier = createVerifier({
  issuer: [
    { issuer: env('JWT_ISSUER'), jwksUri: env('JWKS_URI') },
    {
      issuer: env('ISSUER_URL'),
      introspection: {
        clientId: env('INTROSPECTION_CLIENT_ID'),
        clientSecret: env('INTROSPECTION_CLIENT_SECRET'),
        cacheStore: new RedisIntrospectionCache(redis, storeOptions),
      },
    },
  ],
  audience: env('AUDIENCE'),
  // Both instances sit behind one public origin, so one proof's htu is right for either.
  dpop: { replayStore: new RedisReplayStore(redis, storeOptions), publicUrl: env('PUBLIC_URL') },
});

const answer = (auth) => ({ instance: framework, clientId: auth?.clientId, subject: auth?.subject });
let close;
if (framework === 'express') {
  const app = express();
  app.get('/orders', requireAuth(verifier), (req, res) => res.json(answer(req.auth)));
  app.get('/stats', (_req, res) => res.json(verifier.stats().introspection));
  // An error that reaches here is a bug of the adapter or core: make it visible as a 500.
  app.use((_error, _req, res, _next) => res.status(500).json({ error: 'internal' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });
} else if (framework === 'fastify') {
  const app = Fastify();
  await app.register(portcullis, { verifier });
  app.get('/orders', async (request) => answer(request.auth));
  app.get('/stats', { config: { auth: false } }, async () => verifier.stats().introspection);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
  close = () => app.close();
} else {
  throw new Error(`instance.mjs: unknown framework ${framework}`);
}

process.once('SIGTERM', async () => {
  await close();
  verifier.close?.();
  await redis.close().catch(() => {});
  process.exit(0);
});
