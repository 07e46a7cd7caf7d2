/**
 * Issue #5, fault injection: the scenario table of `scenarios.ts` against one adapter, over real
 * HTTP, with the fake issuer switched into each fault. Each reply is checked by the rig (no 500, a 503
 * with Retry-After and no challenge, no token in the body, no wait past the fetch timeout plus a
 * margin); each step checks status codes and JWKS/metadata request counts; the verifier's events are
 * counted; no rejection may go unhandled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIssuer, type FakeIssuer } from '@portcullis/testing';
import { SCENARIOS } from '../scenarios.js';
import type { AdapterUnderTest } from './apps.js';
import { trackUnhandledRejections } from './process-guards.js';
import { FaultRig } from './rig.js';
import { runScenario } from './run-scenario.js';

/** The whole table through `adapter`; one test file per adapter, so that they run in parallel. */
export function describeFaults(adapter: AdapterUnderTest): void {
  const unhandled = trackUnhandledRejections();
  describe(`faults through ${adapter.name}`, () => {
    let issuer: FakeIssuer;
    let rig: FaultRig | undefined;

    beforeAll(async () => {
      issuer = await startFakeIssuer();
    });
    afterEach(async () => {
      await rig?.close();
      rig = undefined;
      expect(unhandled.reasons).toEqual([]);
    });
    afterAll(async () => {
      await issuer.close();
    });

    it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
      rig = await FaultRig.start(adapter, issuer, { discovery: scenario.discovery ?? false, ...(scenario.jwks ? { jwks: scenario.jwks } : {}) });
      await runScenario(rig, scenario);
    });
  });
}
