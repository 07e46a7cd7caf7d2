/**
 * Request lines and header lines written byte for byte over a net.Socket to every adapter's real server
 * (RFC 9112 §3.2): an absolute-form target takes the DPoP proof for exactly that URI, and two Host lines
 * are a 400, whatever a client library would have made of them.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@portcullis/core';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from '../conformance/apps.js';

let issuer: FakeIssuer;
let verifier: Verifier;
let key: DpopKey;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  verifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience });
  key = createDpopKey();
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

/** Writes `head` (request line and header lines, CRLF-separated) and reads the status and body. */
function raw(url: string, head: string[]): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: status === null ? 0 : Number(status[1]), body: status === null ? text : text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    // No half-close: the server closes after its answer (Connection: close).
    socket.write(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n`);
  });
}

describe.each(ADAPTERS)('$name over a raw socket', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.start({ verifier, optional: false });
  });
  afterAll(async () => {
    await app.close();
  });

  function dpopLines(htu: string): string[] {
    const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: key, lifetime: 600 });
    return [`Authorization: DPoP ${token}`, `DPoP: ${createDpopProof({ key, htm: 'GET', htu, accessToken: token })}`];
  }

  it('GET http://host:port/protected HTTP/1.1 with a proof for exactly that URI: 200', async () => {
    const answer = await raw(app.url, [`GET ${app.url}/protected HTTP/1.1`, `Host: ${new URL(app.url).host}`, ...dpopLines(`${app.url}/protected`)]);
    expect(answer.status, answer.body).toBe(200);
  });

  it('two Host lines: 400 invalid_request', async () => {
    const host = new URL(app.url).host;
    const answer = await raw(app.url, ['GET /protected HTTP/1.1', `Host: ${host}`, `Host: ${host}`, ...dpopLines(`${app.url}/protected`)]);
    expect(answer.status, answer.body).toBe(400);
    expect(answer.body).toContain('invalid_request');
  });
});
