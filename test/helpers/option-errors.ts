/**
 * Issue 20 item 4: a misspelt option and a missing `audience` must be reported by name, with every
 * TypeScript a user may have (5.x and 7.x), at every entry point that takes verifier options. One
 * snippet per file; `names` is what the error for that file must name.
 */
const ISSUER = "'https://a.example/'";
const MISSPELT = `{ issuer: ${ISSUER}, audience: 'api', clockTolerence: 5 }`;
const NO_AUDIENCE = `{ issuer: ${ISSUER} }`;

/** Each entry point: the import and how a user calls it with options `O`. */
const ENTRY_POINTS: Record<string, { imports: string; call: (options: string) => string }> = {
  core: { imports: "import { createVerifier } from '@portcullis/core';", call: (o) => `createVerifier(${o});` },
  'core-claims': {
    imports: "import { createVerifier, type JwtClaims } from '@portcullis/core';\ninterface Claims extends JwtClaims { tenant: string }",
    call: (o) => `createVerifier<Claims>(${o});`,
  },
  express: { imports: "import { requireAuth } from '@portcullis/express';", call: (o) => `requireAuth(${o});` },
  koa: { imports: "import { requireAuth } from '@portcullis/koa';", call: (o) => `requireAuth(${o});` },
  fastify: {
    imports: "import Fastify from 'fastify';\nimport { portcullis } from '@portcullis/fastify';",
    call: (o) => `await Fastify().register(portcullis, ${o});\nexport {};`,
  },
  nestjs: { imports: "import { PortcullisModule } from '@portcullis/nestjs';", call: (o) => `PortcullisModule.forRoot(${o});` },
  mcp: { imports: "import { requireMcpAuth } from '@portcullis/mcp';", call: (o) => `requireMcpAuth(${o});` },
  'mcp-token-verifier': { imports: "import { mcpTokenVerifier } from '@portcullis/mcp';", call: (o) => `mcpTokenVerifier(${o});` },
  web: {
    imports: "import { withAuth } from '@portcullis/web';",
    call: (o) => `export const GET = withAuth(${o}, (_request, auth) => Response.json({ client: auth.clientId }));`,
  },
  hono: { imports: "import { requireAuth } from '@portcullis/hono';", call: (o) => `requireAuth(${o});` },
};

export const OPTION_ERROR_SNIPPETS: readonly { file: string; names: string; code: string }[] = [
  ...Object.entries(ENTRY_POINTS).flatMap(([name, { imports, call }]) => [
    { file: `${name}-misspelt.ts`, names: 'clockTolerence', code: `${imports}\n${call(MISSPELT)}\n` },
    { file: `${name}-no-audience.ts`, names: 'audience', code: `${imports}\n${call(NO_AUDIENCE)}\n` },
  ]),
  // A list of issuer configurations, none with its own audience.
  {
    file: 'core-list-no-audience.ts',
    names: 'audience',
    code: `import { createVerifier } from '@portcullis/core';\ncreateVerifier({ issuer: [{ issuer: ${ISSUER} }] });\n`,
  },
];

/** `tsc --pretty false` output: each file's error text (the error lines and their indented continuations). */
export function errorsByFile(output: string): Record<string, string> {
  const errors: Record<string, string> = {};
  let current: string | undefined;
  for (const line of output.split(/\r?\n/)) {
    const match = /^(?:.*[/\\])?([\w-]+\.ts)\(\d+,\d+\): error TS\d+/.exec(line);
    if (match !== null) current = match[1];
    else if (!/^\s/.test(line)) current = undefined;
    if (current !== undefined) errors[current] = `${errors[current] ?? ''}${line}\n`;
  }
  return errors;
}
