/** Plays one row of the fault scenario table against a {@link FaultRig}. */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { expect } from 'vitest';
import type { PublishedJwk } from '@portcullis/testing';
import type { Count, Scenario, Step } from '../scenarios.js';
import type { FaultRig } from './rig.js';

function expectCount(actual: number, expected: Count, what: string): void {
  if (typeof expected === 'number') expect(actual, what).toBe(expected);
  else {
    expect(actual, what).toBeGreaterThanOrEqual(expected[0]);
    expect(actual, what).toBeLessThanOrEqual(expected[1]);
  }
}

let weakRsa: JsonWebKey | undefined;
let encryptionRsa: JsonWebKey | undefined;

/**
 * JWKS entries a verifier must skip: an unknown `kty`, a symmetric key, unsupported curves, an
 * encryption key, a 1024-bit RSA key, no `kty` at all.
 */
function unusableKeys(): Record<string, unknown>[] {
  weakRsa ??= generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  encryptionRsa ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  const rsa = encryptionRsa;
  const coordinate = Buffer.alloc(32, 7).toString('base64url');
  return [
    { kty: 'XYZ', kid: 'unusable-unknown-kty', x: coordinate },
    { kty: 'oct', kid: 'unusable-symmetric', k: Buffer.alloc(32, 1).toString('base64url'), alg: 'HS256' },
    { kty: 'EC', kid: 'unusable-secp256k1', crv: 'secp256k1', x: coordinate, y: coordinate },
    { kty: 'OKP', kid: 'unusable-x25519', crv: 'X25519', x: coordinate },
    { ...rsa, kid: 'unusable-rsa-enc', use: 'enc' },
    { ...weakRsa, kid: 'unusable-rsa-1024' },
    { kid: 'unusable-no-kty', n: rsa.n, e: rsa.e },
  ];
}

export async function runScenario(rig: FaultRig, scenario: Scenario): Promise<void> {
  const saved: PublishedJwk[] = [];
  try {
    await playSteps(rig, scenario, saved);
  } finally {
    // Keys put back with addKey are raw entries that rotation never retires: take them out again, so
    // that the next scenario on this issuer sees a clean key set (the rig then publishes new keys).
    for (const kid of new Set(saved.map((jwk) => jwk.kid))) if (rig.issuer.kids().includes(kid)) rig.issuer.removeKey(kid);
  }
}

async function playSteps(rig: FaultRig, scenario: Scenario, saved: PublishedJwk[]): Promise<void> {
  for (const [index, step] of scenario.steps.entries()) {
    const at = `step ${index + 1} (${describe(step)})`;
    switch (step.do) {
      case 'jwks':
        rig.issuer.setJwksMode(step.mode, step.delayMs === undefined ? {} : { delayMs: step.delayMs });
        break;
      case 'metadata':
        rig.issuer.setMetadataMode(step.mode, step.delayMs === undefined ? {} : { delayMs: step.delayMs });
        break;
      case 'advance':
        rig.advance(step.ms);
        break;
      case 'send': {
        const replies = await rig.send(step.token, step.count, step.path);
        await rig.settle();
        expect(replies.map((r) => r.status), at).toEqual(Array.from({ length: step.count }, () => step.status));
        if (step.jwks !== undefined) {
          expectCount(rig.verifierFetches, step.jwks, `${at}: JWKS fetches started by the verifier`);
          // Counted on the issuer too: one request per fetch, plus at most one retry per network failure.
          expect(rig.jwksRequests, `${at}: JWKS requests received by the issuer`).toBeGreaterThanOrEqual(rig.verifierFetches);
          expect(rig.jwksRequests, `${at}: JWKS requests received by the issuer`).toBeLessThanOrEqual(rig.verifierFetches + rig.networkFailures);
        }
        if (step.metadata !== undefined) expectCount(rig.metadataFetches, step.metadata, `${at}: metadata requests`);
        break;
      }
      case 'events':
        for (const [name, count] of Object.entries(step.expect)) {
          expectCount(rig.events[name as keyof typeof rig.events], count, `${at}: ${name} events`);
        }
        break;
      case 'rotate':
        rig.issuer.rotateKeys({ retireOld: step.retireOld });
        break;
      case 'remove-current-rsa-key':
        rig.issuer.removeKey(rig.issuer.currentKid('RS256'));
        break;
      case 'unpublish-all-keys': {
        const kids = [...new Set(rig.issuer.kids())];
        saved.push(...kids.map((kid) => rig.issuer.publicJwk(kid)));
        for (const kid of kids) rig.issuer.removeKey(kid);
        break;
      }
      case 'republish-saved-keys':
        for (const jwk of saved) rig.issuer.addKey(jwk);
        break;
      case 'publish-unusable-keys': {
        const published = new Set(rig.issuer.kids());
        for (const jwk of unusableKeys()) if (!published.has(jwk.kid as string)) rig.issuer.addKey(jwk);
        break;
      }
    }
  }
}

function describe(step: Step): string {
  switch (step.do) {
    case 'send':
      return `${step.count} × ${step.token} → ${step.status}`;
    case 'jwks':
    case 'metadata':
      return `${step.do} ${step.mode}`;
    case 'advance':
      return `advance ${step.ms} ms`;
    default:
      return step.do;
  }
}
