import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { requireAuth, requireScopes } from '../src/index.js';
import { EXPRESS_VERSIONS, Resources, bearer, send, type Answer, type SendOptions } from './helpers.js';

let issuer: FakeIssuer;
beforeAll(async () => {
  issuer = await startFakeIssuer();
});
afterAll(async () => {
  await issuer.close();
});

const resources = new Resources();
afterEach(async () => {
  issuer.setJwksMode('up');
  await resources.closeAll();
});

/** Status, every header but Date in the order sent, and the body. */
function wire(answer: Answer): { status: number; headers: string[]; body: string } {
  const headers: string[] = [];
  for (let i = 0; i < answer.rawHeaders.length; i += 2) {
    if (answer.rawHeaders[i]!.toLowerCase() !== 'date') headers.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
  }
  return { status: answer.status, headers, body: answer.body };
}

const scenarios: { name: string; request: () => SendOptions; status: number }[] = [
  { name: 'no credential', request: () => ({}), status: 401 },
  { name: 'malformed header', request: () => ({ headers: { authorization: 'Bearer a b' } }), status: 400 },
  { name: 'expired token', request: () => ({ headers: bearer(issuer.mint({}, { lifetime: -120 })) }), status: 401 },
  { name: 'missing scope', request: () => ({ headers: bearer(issuer.mint({ scope: 'orders:read' })) }), status: 403 },
];

describe('Express 4 and Express 5 send the same bytes', () => {
  it.each(scenarios)('for $name ($status)', async ({ request, status }) => {
    const verifier = resources.verifier(issuer, { realm: 'orders-api' });
    const options = request();
    const answers = [];
    for (const { express } of EXPRESS_VERSIONS) {
      const app = express();
      app.get('/orders', requireAuth(verifier), requireScopes('orders:write'), (_req, res) => {
        res.send('ok');
      });
      answers.push(wire(await send(await resources.serve(app), { ...options, path: '/orders' })));
    }
    expect(answers[0]!.status).toBe(status);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.headers).toEqual(expect.arrayContaining(['Cache-Control: no-store', 'Content-Type: application/json; charset=utf-8']));
    expect(answers[0]!.headers.some((line) => line.toLowerCase().startsWith('etag'))).toBe(false);
  });

  it('for keys unavailable (503)', async () => {
    issuer.setJwksMode('down');
    const answers = [];
    for (const { express } of EXPRESS_VERSIONS) {
      // A verifier of its own for each app: each starts cold, with no failed fetch behind it.
      const verifier = resources.verifier(issuer);
      const app = express();
      app.get('/orders', requireAuth(verifier), (_req, res) => {
        res.send('ok');
      });
      answers.push(wire(await send(await resources.serve(app), { path: '/orders', headers: bearer(issuer.mint()) })));
      verifier.close();
    }
    expect(answers[0]!.status).toBe(503);
    expect(answers[1]).toEqual(answers[0]);
  });
});
