// Two instances of one API, of different frameworks (Express and Fastify, each a child process with its
// own verifier and Redis client), behind one public origin, sharing one Redis and one fake issuer: what
// one instance has seen, the other knows (DPoP proofs used, introspection results), and a Redis outage
// gives the documented answers on both.
// Runs the children on the built packages.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../packages/redis/test/helpers/redis-server.js';
import { requireBinary } from '../helpers/binaries.js';

// Skipped, with one line saying why, where redis-server is missing; a failure in CI.
const binariesPresent = requireBinary('redis-server');

const PUBLIC_URL = 'https://orders.example.com';
/** The DPoP-bound JWTs name this issuer, verified with the fake issuer's JWKS (see instance.mjs). */
const JWT_ISSUER = 'https://jwt-issuer.example.com';
const HTU = `${PUBLIC_URL}/orders`;
// The children's `timeout` of both stores. Long enough that a child starved of CPU by the rest of the suite
// on a 2-core machine does not time out a healthy Redis (300 ms did, once, in CI).
const STORE_TIMEOUT = 1_000;
// How late past the store timeout an answer may come on a loaded 2-core machine and still count as bounded.
const SLACK = 2_000;
const client = { clientId: 'orders-api', clientSecret: 'orders-api-secret' };

interface Instance {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

async function startInstance(framework: 'express' | 'fastify', env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./instance.mjs', import.meta.url)), framework], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${framework} instance did not start: ${stderr}`)), 15_000);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${framework} instance exited with ${code}: ${stderr}`));
    });
  });
  return { name: framework, url: `http://127.0.0.1:${port}`, child };
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (instance === undefined || instance.child.exitCode !== null) return;
  const exit = once(instance.child, 'exit');
  instance.child.kill('SIGTERM');
  await Promise.race([exit, sleep(5_000).then(() => instance.child.kill('SIGKILL'))]);
}

interface Answer {
  status: number;
  headers: Headers;
  body: string;
  ms: number;
}

/** Both instances' introspection stats (hits, misses, cache failures), for failure messages. */
async function introspectionStats(...instances: Instance[]): Promise<string> {
  const stats = await Promise.all(instances.map(async (instance) => [instance.name, await (await fetch(`${instance.url}/stats`)).json()]));
  return JSON.stringify(Object.fromEntries(stats));
}

async function get(instance: Instance, headers: Record<string, string>): Promise<Answer> {
  const start = performance.now();
  const response = await fetch(`${instance.url}/orders`, { headers, signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body, ms: performance.now() - start };
}

describe.runIf(binariesPresent)('many instances sharing one Redis', () => {
  let redis: RedisServer;
  let issuer: FakeIssuer;
  let observer: ReturnType<typeof createClient>;
  let first: Instance | undefined;
  let second: Instance | undefined;
  let proofKey: { privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK };
  let dpopToken: string;
  const tokensSeen: string[] = [];

  async function dpopProof(jti: string = randomUUID()): Promise<string> {
    const ath = createHash('sha256').update(dpopToken).digest('base64url');
    return new SignJWT({ htm: 'GET', htu: HTU, iat: Math.floor(Date.now() / 1000), jti, ath })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: proofKey.jwk })
      .sign(proofKey.privateKey);
  }

  async function withDpop(instance: Instance, proof?: string): Promise<Answer> {
    const dpop = proof ?? (await dpopProof());
    tokensSeen.push(dpop);
    return get(instance, { authorization: `DPoP ${dpopToken}`, dpop });
  }

  function opaqueToken(): string {
    const token = issuer.mintOpaque({ scope: 'orders:read' });
    tokensSeen.push(token);
    return token;
  }

  async function keyspace(): Promise<Map<string, string>> {
    const entries = new Map<string, string>();
    for await (const keys of observer.scanIterator({ COUNT: 1000 })) {
      for (const key of keys) entries.set(key, (await observer.get(key)) ?? '');
    }
    return entries;
  }

  /** Repeats `attempt` (bounded) until it answers 200: the instances' clients reconnect on their own. */
  async function until200(attempt: () => Promise<Answer>): Promise<Answer> {
    const deadline = Date.now() + 15_000;
    let last: Answer | undefined;
    for (let i = 0; i < 150 && Date.now() < deadline; i++) {
      last = await attempt();
      if (last.status === 200) return last;
      await sleep(100);
    }
    return last!;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    issuer = await startFakeIssuer({ clients: [{ ...client, scopes: [] }] });
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    proofKey = { privateKey, jwk: await exportJWK(publicKey) };
    dpopToken = issuer.mint({ iss: JWT_ISSUER, scope: 'orders:read', cnf: { jkt: await calculateJwkThumbprint(proofKey.jwk) } });
    tokensSeen.push(dpopToken);
    const env = {
      ISSUER_URL: issuer.url,
      JWT_ISSUER,
      JWKS_URI: issuer.jwksUri,
      AUDIENCE: issuer.audience,
      REDIS_URL: redis.url,
      INTROSPECTION_CLIENT_ID: client.clientId,
      INTROSPECTION_CLIENT_SECRET: client.clientSecret,
      PUBLIC_URL,
      STORE_TIMEOUT: String(STORE_TIMEOUT),
    };
    [first, second] = await Promise.all([startInstance('express', env), startInstance('fastify', env)]);
    observer = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } });
    observer.on('error', () => {});
    await observer.connect();
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stopInstance(first), stopInstance(second)]);
    if (observer?.isOpen) await observer.close();
    await issuer?.close();
    await redis?.stop();
  }, 30_000);

  it('a DPoP proof accepted by the Express instance is refused by the Fastify instance, and the other way round', async () => {
    const proof = await dpopProof();
    const accepted = await withDpop(first!, proof);
    expect(accepted.status).toBe(200);
    expect(JSON.parse(accepted.body)).toMatchObject({ instance: 'express' });
    const replayed = await withDpop(second!, proof);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP /);
    expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
    // The same request with a fresh proof passes there: the refusal was the replay, not the htu or the token.
    expect((await withDpop(second!)).status).toBe(200);

    const proof2 = await dpopProof();
    expect((await withDpop(second!, proof2)).status).toBe(200);
    const replayed2 = await withDpop(first!, proof2);
    expect(replayed2.status).toBe(401);
    expect(replayed2.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
  });

  it('an opaque token is introspected once for both instances (counted on the fake issuer)', async () => {
    const token = opaqueToken();
    const before = issuer.stats.introspectionRequests;
    const fromFirst = await get(first!, { authorization: `Bearer ${token}` });
    expect(fromFirst.status).toBe(200);
    expect(issuer.stats.introspectionRequests - before).toBe(1);
    const fromSecond = await get(second!, { authorization: `Bearer ${token}` });
    expect(fromSecond.status).toBe(200);
    expect(JSON.parse(fromSecond.body)).toMatchObject({ instance: 'fastify' });
    for (let i = 0; i < 5; i++) {
      expect((await get(i % 2 === 0 ? first! : second!, { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    expect(issuer.stats.introspectionRequests - before, await introspectionStats(first!, second!)).toBe(1);
  });

  it('Redis holds only prefixed, hashed keys: no key or value contains a token or a proof', async () => {
    const entries = await keyspace();
    expect(entries.size).toBeGreaterThan(0);
    for (const [key, value] of entries) {
      expect(key.startsWith('orders-api:')).toBe(true);
      for (const secret of tokensSeen) {
        expect(key).not.toContain(secret);
        expect(value).not.toContain(secret);
      }
    }
  });

  it('Redis killed: DPoP requests get 503 with Retry-After on both within the timeout, opaque tokens are answered through the authorization server; after a restart both recover', async () => {
    const cachedOpaque = opaqueToken();
    expect((await get(first!, { authorization: `Bearer ${cachedOpaque}` })).status).toBe(200);

    await redis.kill();

    for (const instance of [first!, second!]) {
      const answer = await withDpop(instance);
      expect(answer.status, `${instance.name} during the outage`).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.ms).toBeLessThan(STORE_TIMEOUT + SLACK);
      expect(answer.body).not.toContain(dpopToken);
    }

    // The introspection cache cannot answer: each instance asks the authorization server itself.
    const fresh = opaqueToken();
    const before = issuer.stats.introspectionRequests;
    for (const instance of [first!, second!]) {
      const answer = await get(instance, { authorization: `Bearer ${fresh}` });
      expect(answer.status, `${instance.name} opaque token during the outage`).toBe(200);
      expect(answer.ms).toBeLessThan(STORE_TIMEOUT + SLACK);
    }
    expect(issuer.stats.introspectionRequests - before).toBe(2);
    // A token cached in Redis before the outage is still accepted, through the authorization server.
    expect((await get(second!, { authorization: `Bearer ${cachedOpaque}` })).status).toBe(200);

    await redis.start();

    // Same processes, same Redis clients: the clients reconnect and the shared state works again.
    expect((await until200(() => withDpop(first!))).status).toBe(200);
    expect((await until200(() => withDpop(second!))).status).toBe(200);
    const proof = await dpopProof();
    expect((await withDpop(first!, proof)).status).toBe(200);
    expect((await withDpop(second!, proof)).status).toBe(401);

    const afterRestart = opaqueToken();
    const beforeRestartCount = issuer.stats.introspectionRequests;
    expect((await get(first!, { authorization: `Bearer ${afterRestart}` })).status).toBe(200);
    expect((await get(second!, { authorization: `Bearer ${afterRestart}` })).status).toBe(200);
    expect(issuer.stats.introspectionRequests - beforeRestartCount, await introspectionStats(first!, second!)).toBe(1);
  }, 60_000);
});
