/** Starts the fake issuer with a demo client and the orders API on Express, Fastify and Koa. */
import { createVerifier, type Verifier } from '@portcullis/core';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { startExpressApp, startFastifyApp, startKoaApp, type RunningApp } from './apps.js';
import { BANK_CLIENT, BANK_TOKEN_LIFETIME, startBank, type Bank } from './bank.js';
import { startMcpApp, type RunningMcpApp } from './mcp-app.js';

export const DEMO_CLIENT = Object.freeze({ clientId: 'demo-client', clientSecret: 'demo-secret', scopes: ['orders:read'] });
export const DEMO_AUDIENCE = 'https://orders.example.com';

export interface DemoOptions {
  /**
   * First port: the issuer takes it, the APIs the next three, the banking API's authorization server
   * and the banking API the two after, the MCP server the one after that. 0 (the default in tests) picks free ports.
   */
  basePort?: number;
}

export interface Demo {
  readonly issuer: FakeIssuer;
  readonly verifier: Verifier;
  readonly apps: Readonly<Record<'express' | 'fastify' | 'koa', RunningApp>>;
  /** The banking-style API on opaque tokens (RFC 7662 introspection). */
  readonly bank: Bank;
  /** The orders API as an MCP server, protected by @portcullis/mcp. */
  readonly mcp: RunningMcpApp;
  close(): Promise<void>;
}

const port = (base: number, offset: number): number => (base === 0 ? 0 : base + offset);

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const base = options.basePort ?? 0;
  const issuer = await startFakeIssuer({ port: port(base, 0), audience: DEMO_AUDIENCE, clients: [{ ...DEMO_CLIENT, scopes: [...DEMO_CLIENT.scopes] }] });
  // One verifier, so one JWKS cache, behind all three APIs.
  const verifier = createVerifier({ issuer: issuer.url, audience: DEMO_AUDIENCE });
  const started: { close(): Promise<void> }[] = [];
  try {
    const expressApp = await startExpressApp(verifier, port(base, 1));
    started.push(expressApp);
    const fastifyApp = await startFastifyApp(verifier, port(base, 2));
    started.push(fastifyApp);
    const koaApp = await startKoaApp(verifier, port(base, 3));
    started.push(koaApp);
    const bank = await startBank(port(base, 5), port(base, 4));
    started.push(bank);
    const mcp = await startMcpApp(issuer.url, port(base, 6));
    started.push(mcp);
    return {
      issuer,
      verifier,
      apps: { express: expressApp, fastify: fastifyApp, koa: koaApp },
      bank,
      mcp,
      async close() {
        await Promise.all(started.map((app) => app.close()));
        verifier.close();
        await issuer.close();
      },
    };
  } catch (error) {
    await Promise.all(started.map((app) => app.close()));
    verifier.close();
    await issuer.close();
    throw error;
  }
}

/** The copy-pasteable walk-through printed by `pnpm demo`. */
export function instructions(demo: Demo): string {
  const { issuer, apps } = demo;
  const api = apps.express.url;
  const token = `TOKEN=$(curl -s -u ${DEMO_CLIENT.clientId}:${DEMO_CLIENT.clientSecret} -d grant_type=client_credentials -d scope=orders:read ${issuer.tokenEndpoint} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`;
  return [
    'Portcullis demo',
    '',
    `  fake issuer   ${issuer.url}   (metadata ${issuer.metadataUrl})`,
    `  Express API   ${apps.express.url}`,
    `  Fastify API   ${apps.fastify.url}`,
    `  Koa API       ${apps.koa.url}`,
    `  MCP server    ${demo.mcp.resource}   (RFC 9728 metadata ${demo.mcp.verifier.resourceMetadata!.url})`,
    '',
    `  demo client   ${DEMO_CLIENT.clientId} / ${DEMO_CLIENT.clientSecret}, scope ${DEMO_CLIENT.scopes.join(' ')}`,
    '',
    'In another terminal (swap the Express URL for the Fastify or Koa one: they answer alike):',
    '',
    '  # 1. a token with the client credentials grant (client_secret_basic)',
    `  ${token}`,
    '',
    '  # 2. a public route: 200',
    `  curl -i ${api}/public`,
    '',
    '  # 3. a protected route without a token: 401, WWW-Authenticate: Bearer',
    `  curl -i ${api}/orders`,
    '',
    '  # 4. with the token: 200',
    `  curl -i -H "Authorization: Bearer $TOKEN" ${api}/orders`,
    '',
    '  # 5. a route that needs orders:write, which the client lacks: 403, error="insufficient_scope", scope="orders:write"',
    `  curl -i -X POST -H "Authorization: Bearer $TOKEN" ${api}/orders`,
    '',
    `Banking API on opaque tokens (RFC 7662 introspection): ${demo.bank.app.url}, its authorization server ${demo.bank.issuer.url}`,
    '',
    `  # 6. an opaque token, client id and secret in the POST body; valid ${BANK_TOKEN_LIFETIME / 3600} hour, 401 after that`,
    `  BANK_TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=${BANK_CLIENT.clientId} -d client_secret=${BANK_CLIENT.clientSecret} ${demo.bank.issuer.tokenEndpoint} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    '',
    '  # 7. the accounts with it: 200 (the API introspected the token once and caches the answer for 30 s)',
    `  curl -i -H "Authorization: Bearer $BANK_TOKEN" ${demo.bank.app.url}/accounts`,
    '',
    '  # 8. the MCP server: 401 naming its metadata (resource_metadata="…"); MCP clients follow it to the issuer',
    `  curl -i -X POST ${demo.mcp.resource}`,
    '',
    'Ctrl-C stops everything.',
  ].join('\n');
}
