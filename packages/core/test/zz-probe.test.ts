import { afterAll, beforeAll, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { createVerifier, AuthError } from '../src/index.js';
let issuer: FakeIssuer;
beforeAll(async () => { issuer = await startFakeIssuer(); });
afterAll(async () => { await issuer.close(); });
it('probe', async () => {
  const v = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri });
  const inputs: unknown[] = [null, undefined, {}, [], { headers: null }, { headers: {} }, { headers: { authorization: 'Bearer abc' } }, { headers: { authorization: 'Bearer abc' }, url: '/' }, 42, Symbol('x'), { headers: { authorization: 5 }, url: '/', method: 'GET' }, { headers: { authorization: ['Bearer a'] }, url: '/', method: 'GET' }, { headers: { authorization: 'DPoP abc', dpop: 5 }, url: '/', method: 'GET' }, { headers: { authorization: 'DPoP abc', dpop: ['x'] }, url: 7, method: 'GET' }, { headers: { authorization: 'Bearer a.b.c' }, url: '/', method: 'GET', rawHeaders: 5 }];
  for (const input of inputs) {
    let p: unknown;
    try { p = v.verify(input as never); } catch (e) { console.log('SYNC THROW', String(input as never), e); continue; }
    try { await p; console.log('ok?', input); } catch (e) { console.log(JSON.stringify(input) ?? String(input as never), '→', e instanceof AuthError ? `${e.status} ${e.reason} ${e.headers['WWW-Authenticate']}` : `NON-AUTH ${String(e)}`); }
  }
  console.log(v.stats().rejected, v.stats().rejectedByReason);
  v.close();
});
