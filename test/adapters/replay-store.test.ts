/**
 * The in-memory DPoP replay store never forgets a proof inside its window (RFC 9449 §11.1): full of live
 * entries, it refuses the next proof (503 replay_store_unavailable, `replay_store_failed`) rather than
 * dropping an entry a replay would then pass. Through every adapter, over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore, createVerifier, type ReplayStoreFailedEvent, type Verifier } from '@portcullis/core';
import { createDpopKey, createDpopProof, startFakeIssuer, type DpopKey, type FakeIssuer } from '@portcullis/testing';
import { ADAPTERS, type RunningApp } from '../conformance/apps.js';

let issuer: FakeIssuer;
let key: DpopKey;

beforeAll(async () => {
  issuer = await startFakeIssuer();
  key = createDpopKey();
});
afterAll(async () => {
  await issuer.close();
});

describe.each(ADAPTERS)('$name: a full replay store refuses rather than forgets', (adapter) => {
  let verifier: Verifier;
  let app: RunningApp;
  const events: ReplayStoreFailedEvent[] = [];

  beforeAll(async () => {
    verifier = createVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience, dpop: { replayStore: new MemoryReplayStore({ max: 2 }) } });
    verifier.on('replay_store_failed', (event) => events.push(event));
    app = await adapter.start({ verifier, optional: false });
  });
  afterAll(async () => {
    await app.close();
    verifier.close();
  });

  it('two proofs fill it; a third is 503 with replay_store_failed; a replay of the first is still refused', async () => {
    const token = issuer.mint({ scope: 'orders:read' }, { dpopKey: key, lifetime: 600 });
    const proofs = [1, 2, 3].map(() => createDpopProof({ key, htm: 'GET', htu: `${app.url}/protected`, accessToken: token }));
    const get = (proof: string) => fetch(`${app.url}/protected`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect((await get(proofs[0]!)).status).toBe(200);
    expect((await get(proofs[1]!)).status).toBe(200);
    const full = await get(proofs[2]!);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('5');
    expect(((await full.json()) as { error: string }).error).toBe('replay_store_unavailable');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'error', policy: 'reject' });
    const replay = await get(proofs[0]!);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_dpop_proof');
  });
});
