// JWKS fetches, counted on the fake issuer: 1,000 concurrent verifications against a cold cache, then
// (keys cached) a flood of 1,000 concurrent tokens whose kid is not in the JWKS. Each library gets a
// fresh verifier. Argument: the run's work directory (jwks.json out).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { createVerifier as createPortcullisVerifier } from '@portcullis/core';
import { startFakeIssuer } from '@portcullis/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { JwtVerifier as AwsJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import { CONFIG, say, sleep, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const { auth: auth0Middleware } = require('express-oauth2-jwt-bearer');
const { expressjwt } = require('express-jwt');
const { expressJwtSecret } = require('jwks-rsa');

const dir = process.argv[2];
const { concurrent, unknownKids, deadlineSec } = CONFIG.jwks;
const DEADLINE_MS = deadlineSec * 1000;
const SHORT_COOLDOWN_MS = 1_000;
const issuer = await startFakeIssuer({ tokenLifetime: 3600 });
const { url, audience, jwksUri } = issuer;

const good = [];
for (let i = 0; i < concurrent; i++) good.push(issuer.mint({ sub: `user-${i}` }));
const unknown = [];
for (let i = 0; i < unknownKids; i++) unknown.push(issuer.mint({ sub: `user-${i}` }, { kid: `unknown-${i}-${Math.random().toString(36).slice(2)}` }));

/** Drives an Express-style middleware with a minimal request; resolves when it lets the request through. */
function driveMiddleware(middleware, authProperty) {
  return (token) =>
    new Promise((resolve, reject) => {
      const req = {
        headers: { host: '127.0.0.1', authorization: `Bearer ${token}` },
        query: {},
        method: 'GET',
        protocol: 'http',
        url: '/api',
        originalUrl: '/api',
        is: () => false,
        get(name) {
          return this.headers[name.toLowerCase()];
        },
      };
      void middleware(req, {}, (error) => (error === undefined ? resolve(req[authProperty]) : reject(error instanceof Error ? error : new Error('refused'))));
    });
}

// Each entry makes a fresh verifier (cold cache) and returns its verify function.
const LIBRARIES = [
  {
    label: 'Portcullis core',
    make: (cooldown) => {
      const verifier = createPortcullisVerifier({ issuer: url, audience, jwksUri, ...(cooldown === undefined ? {} : { jwks: { cooldown } }) });
      return (token) => verifier.verify(token);
    },
  },
  {
    label: 'jose `createRemoteJWKSet` (defaults: cooldown 30 s)',
    make: (cooldown) => {
      const keySet = createRemoteJWKSet(new URL(jwksUri), cooldown === undefined ? {} : { cooldownDuration: cooldown });
      return (token) => jwtVerify(token, keySet, { issuer: url, audience });
    },
  },
  {
    label: 'express-oauth2-jwt-bearer `auth()` (jose 4 remote JWKS)',
    make: (cooldown) =>
      driveMiddleware(auth0Middleware({ issuer: url, audience, jwksUri, tokenSigningAlg: 'RS256', ...(cooldown === undefined ? {} : { cooldownDuration: cooldown }) }), 'auth'),
  },
  {
    label: 'jwks-rsa (`cache: true, rateLimit: true`) via express-jwt',
    noCooldown: true,
    make: () =>
      driveMiddleware(expressjwt({ secret: expressJwtSecret({ jwksUri, cache: true, rateLimit: true }), algorithms: ['RS256'], issuer: url, audience }), 'auth'),
  },
  {
    label: 'get-jwks + fast-jwt (the @fastify/jwt pattern)',
    noCooldown: true,
    make: () => {
      const getJwks = buildGetJwks({ jwksPath: new URL(jwksUri).pathname, issuersWhitelist: [url] });
      const verify = createFastJwtVerifier({
        key: async ({ header, payload }) => getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: payload.iss }),
        allowedIss: url,
        allowedAud: audience,
        algorithms: ['RS256'],
      });
      return (token) => verify(token);
    },
  },
  {
    label: 'aws-jwt-verify `JwtVerifier` (default penalty box; fetcher swapped for `fetch`, it only speaks https)',
    make: (cooldown) => {
      const fetcher = { fetch: async (uri) => (await globalThis.fetch(uri)).arrayBuffer() };
      const penaltyBox = new SimplePenaltyBox(cooldown === undefined ? {} : { waitSeconds: cooldown / 1000 });
      const verifier = AwsJwtVerifier.create({ issuer: url, audience, jwksUri }, { jwksCache: new SimpleJwksCache({ fetcher, penaltyBox }) });
      return (token) => verifier.verify(token);
    },
  },
];

/**
 * Fires every verification at once and waits until all settle or the deadline passes (jwks-rsa's rate
 * limiter holds requests for minutes): fetches seen by the issuer, and how the verifications ended.
 */
async function burst(verify, tokens) {
  const before = issuer.stats.jwksRequests;
  const started = performance.now();
  let accepted = 0;
  let refused = 0;
  let lastSettledMs = 0;
  const settle = (ok) => {
    if (ok) accepted++;
    else refused++;
    lastSettledMs = performance.now() - started;
  };
  const all = Promise.all(tokens.map((token) => Promise.resolve().then(() => verify(token)).then(() => settle(true), () => settle(false))));
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(resolve, DEADLINE_MS);
  });
  await Promise.race([all, deadline]);
  clearTimeout(timer);
  return {
    fetches: issuer.stats.jwksRequests - before,
    accepted,
    refused,
    pending: tokens.length - accepted - refused,
    lastSettledMs,
  };
}

say(`  jwks: minted ${good.length + unknown.length} tokens`);
const results = [];
for (const library of LIBRARIES) {
  try {
    say(`  jwks: ${library.label}…`);
    const verify = library.make();
    const cold = await burst(verify, good);
    const flood = await burst(verify, unknown);
    let floodAfterCooldown;
    if (library.noCooldown !== true) {
      // Again with the refetch cooldown set to 1 s, and the flood once it has passed: at most one fetch.
      const shortCooldown = library.make(SHORT_COOLDOWN_MS);
      await burst(shortCooldown, good);
      await sleep(SHORT_COOLDOWN_MS + 200);
      floodAfterCooldown = await burst(shortCooldown, unknown);
    }
    results.push({ label: library.label, cold, flood, floodAfterCooldown });
    say(`  jwks: cold ${JSON.stringify(cold)}, unknown kids ${JSON.stringify(flood)}, after cooldown ${JSON.stringify(floodAfterCooldown)}`);
  } catch (error) {
    results.push({ label: library.label, error: error instanceof Error ? error.message : String(error) });
  }
}
await issuer.close();
writeJson(join(dir, 'jwks.json'), { concurrent, unknownKids, deadlineSec, shortCooldownMs: SHORT_COOLDOWN_MS, results });
process.exit(0);
