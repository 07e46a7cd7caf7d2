// `errors: 'pass'` with Express's own final handler: what it does with a refusal, and the one handler
// that makes it quiet. Each app runs in a child process (the built package, NODE_ENV=production) so that
// its stderr is exactly what Express and Portcullis wrote.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

// MODE: 'handler' mounts authErrorHandler() after the routes; 'default' leaves Express's final handler.
const SCRIPT = `
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireAuth, authErrorHandler } from '@portcullis/express';
const express = (await import(process.env.EXPRESS)).default;
const app = express();
app.use(requireAuth({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE, jwksUri: process.env.JWKS_URI }, { errors: 'pass' }));
app.get('/orders', (req, res) => res.json({ client: req.auth.clientId }));
if (process.env.MODE === 'handler') app.use(authErrorHandler());
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = 'http://127.0.0.1:' + server.address().port + '/orders';
const answers = [];
for (const headers of [{}, { authorization: 'Bearer ' + process.env.TOKEN }, { authorization: 'Bearer not-a-token' }]) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  answers.push({ status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() });
}
await sleep(50); // Express logs through setImmediate after answering.
server.close();
process.stdout.write(JSON.stringify(answers));
`;

interface Answer {
  status: number;
  challenge: string | null;
  body: string;
}

let issuer: FakeIssuer;
beforeAll(async () => {
  expect(existsSync(BUILT), 'packages/express/dist/index.js is missing: run `pnpm build` first').toBe(true);
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

function runApp(mode: 'handler' | 'default', expressPackage: string): Promise<{ answers: Answer[]; stderr: string }> {
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    MODE: mode,
    EXPRESS: expressPackage,
    ISSUER: issuer.url,
    AUDIENCE: issuer.audience,
    JWKS_URI: issuer.jwksUri,
    TOKEN: issuer.mint({ client_id: 'orders-service' }),
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: PACKAGE_DIR, env, timeout: 15_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ answers: JSON.parse(stdout) as Answer[], stderr }),
    );
  });
}

describe.each([['Express 5', 'express'], ['Express 4', 'express4']])("errors: 'pass' with %s's default error handler", (_name, expressPackage) => {
  it('with authErrorHandler(): nothing on stderr; 401 bare, 200, 401 invalid_token exactly as errors: respond', async () => {
    const { answers, stderr } = await runApp('handler', expressPackage);
    expect(stderr).toBe('');
    expect(answers.map((answer) => answer.status)).toEqual([401, 200, 401]);
    expect(answers[0]!.challenge).toMatch(/^Bearer, DPoP algs="/);
    expect(JSON.parse(answers[0]!.body)).toEqual({ error_description: 'authentication required' });
    expect(answers[2]!.challenge).toMatch(/^Bearer error="invalid_token"/);
    expect(JSON.parse(answers[2]!.body)).toMatchObject({ error: 'invalid_token' });
  });

  it('without it: Express logs each refusal with its stack (why the README says to add it), and drops the JSON body', async () => {
    const { answers, stderr } = await runApp('default', expressPackage);
    expect(answers.map((answer) => answer.status)).toEqual([401, 200, 401]);
    expect(stderr).toContain('CredentialsRequiredError');
    expect(stderr).toContain('InvalidTokenError');
    expect(stderr).toMatch(/\n\s+at /);
    expect(answers[0]!.body).not.toContain('error_description');
  });
});
