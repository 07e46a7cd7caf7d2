import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier } from '../src/index.js';
import { CORE_VERSION, USER_AGENT } from '../src/lib/user-agent.js';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let keysFrom: FakeIssuer;
let server: Server;
let origin: string;
const agents: { path: string; agent: string | undefined }[] = [];

beforeAll(async () => {
  keysFrom = await startFakeIssuer();
  // An issuer of our own on 127.0.0.1 that records who asks, serving the fake issuer's keys.
  server = createServer((req, res) => {
    agents.push({ path: req.url ?? '', agent: req.headers['user-agent'] });
    const body =
      req.url === '/.well-known/oauth-authorization-server'
        ? { issuer: origin, jwks_uri: `${origin}/jwks` }
        : req.url === '/jwks'
          ? { keys: keysFrom.kids().map((kid) => keysFrom.publicJwk(kid)) }
          : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await keysFrom.close();
});

describe('User-Agent of outgoing requests', () => {
  it("the version written in lib/user-agent.ts is package.json's (no file is read at run time)", () => {
    expect(CORE_VERSION).toBe(version);
    expect(USER_AGENT).toBe(`portcullis/${version}`);
  });

  it('discovery and JWKS requests send User-Agent: portcullis/<core version>', async () => {
    const verifier = createVerifier({ issuer: origin, audience: keysFrom.audience });
    try {
      await verifier.verify(keysFrom.mint({ iss: origin }));
    } finally {
      verifier.close();
    }
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(agents).toEqual([
      { path: '/.well-known/oauth-authorization-server', agent: `portcullis/${version}` },
      { path: '/jwks', agent: `portcullis/${version}` },
    ]);
  });
});
