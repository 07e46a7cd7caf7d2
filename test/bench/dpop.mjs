// What a DPoP-bound request costs over a Bearer one (RFC 9449: a second signature check, the proof's),
// per framework. Standalone after `pnpm build`: `node test/bench/dpop.mjs` (BENCH_QUICK=1 for a smoke run).
//
// Method: one process serves the app and sends the requests (keep-alive, 8 in flight); proofs are made
// before each measured window, so the window holds only the server's work plus an identical client
// loop. CPU time of the process per request (process.cpuUsage), Bearer and DPoP windows interleaved in
// rounds, medians reported. The difference of the two is the added server CPU of a DPoP request; the
// client's share is the same in both (same requests, one more header). The token is the same on every
// request (a client reuses its token), so both cases hit the verified-token cache: what is left for
// DPoP is the proof check, which is never cached. A second table verifies in-process (no HTTP).
import { createServer, Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { createVerifier } from '@portcullis/core';
import { requireAuth as expressAuth } from '@portcullis/express';
import portcullisFastify from '@portcullis/fastify';
import { requireAuth as koaAuth } from '@portcullis/koa';
import { createDpopKey, createDpopProof, startFakeIssuer } from '@portcullis/testing';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 3 : 7;
const REQUESTS = QUICK ? 400 : 2000;
const IN_FLIGHT = 8;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

const issuer = await startFakeIssuer();
const key = createDpopKey('ES256');
const bearerToken = issuer.mint({ scope: 'orders:read' }, { lifetime: 3600 });
const dpopToken = issuer.mint({ scope: 'orders:read' }, { dpopKey: key, lifetime: 3600 });
const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const frameworks = {
  'express 5': async () => {
    const app = express();
    app.use(expressAuth(verifier));
    app.get('/orders', (req, res) => res.json({ sub: req.auth?.subject }));
    const server = await listen(createServer(app));
    return { port: server.address().port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
  },
  'fastify 5': async () => {
    const app = Fastify();
    await app.register(portcullisFastify, { verifier });
    app.get('/orders', (req) => ({ sub: req.auth?.subject }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  },
  'koa 3': async () => {
    const app = new Koa();
    app.use(koaAuth(verifier));
    app.use((ctx) => { ctx.body = { sub: ctx.state.auth?.subject }; });
    const server = await listen(createServer(app.callback()));
    return { port: server.address().port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
  },
};

function send(agent, port, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/orders', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function window(agent, port, headerSets) {
  let next = 0;
  const start = cpuMicros();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < headerSets.length) await send(agent, port, headerSets[next++]);
  }));
  return { cpuPerRequest: (cpuMicros() - start) / headerSets.length, wallMs: performance.now() - t0 };
}

const bearerHeaders = (n) => Array.from({ length: n }, () => ({ authorization: `Bearer ${bearerToken}` }));
const dpopHeaders = (n, port) => {
  const htu = `http://127.0.0.1:${port}/orders`;
  return Array.from({ length: n }, () => ({ authorization: `DPoP ${dpopToken}`, dpop: createDpopProof({ key, htm: 'GET', htu, accessToken: dpopToken }) }));
};

const rows = [];
for (const [name, start] of Object.entries(frameworks)) {
  const app = await start();
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  // Warm-up and sanity: both kinds must pass.
  await window(agent, app.port, bearerHeaders(200));
  await window(agent, app.port, dpopHeaders(200, app.port));
  const bearer = [];
  const dpop = [];
  for (let round = 0; round < ROUNDS; round++) {
    const b = bearerHeaders(REQUESTS);
    const d = dpopHeaders(REQUESTS, app.port);
    if (round % 2 === 0) {
      bearer.push((await window(agent, app.port, b)).cpuPerRequest);
      dpop.push((await window(agent, app.port, d)).cpuPerRequest);
    } else {
      dpop.push((await window(agent, app.port, d)).cpuPerRequest);
      bearer.push((await window(agent, app.port, b)).cpuPerRequest);
    }
  }
  agent.destroy();
  await app.close();
  rows.push({ name, bearer: median(bearer), dpop: median(dpop) });
}

// In process: verifier.verify(descriptor), no HTTP.
async function inProcess(descriptors) {
  const start = cpuMicros();
  for (const descriptor of descriptors) await verifier.verify(descriptor);
  return (cpuMicros() - start) / descriptors.length;
}
const htu = 'http://api.example.com/orders';
const coreBearer = [];
const coreDpop = [];
for (let round = 0; round < ROUNDS; round++) {
  const b = Array.from({ length: REQUESTS }, () => ({ method: 'GET', url: '/orders', headers: { host: 'api.example.com', authorization: `Bearer ${bearerToken}` } }));
  const d = Array.from({ length: REQUESTS }, () => ({
    method: 'GET', url: '/orders', headers: { host: 'api.example.com', authorization: `DPoP ${dpopToken}`, dpop: createDpopProof({ key, htm: 'GET', htu, accessToken: dpopToken }) },
  }));
  coreBearer.push(await inProcess(b));
  coreDpop.push(await inProcess(d));
}

verifier.close();
await issuer.close();

const say = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n) => n.toFixed(1).padStart(8);
say(`DPoP vs Bearer, CPU µs per request (median of ${ROUNDS} rounds × ${REQUESTS} requests, ES256 proofs, token cache hit)`);
say(`Node ${process.version}, ${QUICK ? 'QUICK run (not for comparison)' : 'full run'}\n`);
say('| case | Bearer µs | DPoP µs | added µs | ratio |');
say('|---|---:|---:|---:|---:|');
for (const row of [...rows, { name: 'core verify() in process', bearer: median(coreBearer), dpop: median(coreDpop) }]) {
  say(`| ${row.name} | ${fmt(row.bearer)} | ${fmt(row.dpop)} | ${fmt(row.dpop - row.bearer)} | ${(row.dpop / row.bearer).toFixed(2)}× |`);
}
say('\nHTTP rows include the in-process client (identical work in both columns); `added` is the server-side difference.');
